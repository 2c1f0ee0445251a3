"""An independent IdentityStore client: Python grpcio (C core) with messages built at run time from a
protobuf descriptor set, so nothing here shares code with grpc-js or ts-proto.

Usage: python_client.py ADDRESS DESCRIPTOR_SET
Prints one JSON object with what each step observed; the mocha test asserts on it.
"""
import json
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.json_format import MessageToDict

address, descriptor_path = sys.argv[1], sys.argv[2]
files = descriptor_pb2.FileDescriptorSet()
with open(descriptor_path, "rb") as f:
    files.ParseFromString(f.read())
pool = descriptor_pool.DescriptorPool()
for fd in files.file:
    pool.Add(fd)


def message(name):
    return message_factory.MessageFactory(pool).GetPrototype(pool.FindMessageTypeByName(name))


channel = grpc.insecure_channel(address)


def rpc(method, request_type, response_type, **fields):
    req_cls, res_cls = message(request_type), message(response_type)
    stub = channel.unary_unary(
        "/identity.v1.IdentityStore/" + method,
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=res_cls.FromString,
    )
    try:
        response = stub(req_cls(**fields), timeout=10)
        return {"code": "OK", "body": MessageToDict(response, preserving_proto_field_name=True)}
    except grpc.RpcError as e:
        trailers = dict(e.trailing_metadata() or ())
        details_bin = trailers.get("grpc-status-details-bin", b"")
        return {"code": e.code().name, "details": e.details(), "status_details_hex": details_bin.hex()}


out = {}
P = "py-interop password 1"
P2 = "py-interop password 2"
WRONG = "py-interop wrong password 3"
REFUSED = "py-interop refused password 4"
# Every password this client sends: the test asserts none of them reached the server's logs.
out["passwords_used"] = [P, P2, WRONG, REFUSED]
out["create"] = rpc("CreateUser", "identity.v1.CreateUserRequest", "identity.v1.User",
                    email="py@example.com", password=P, username="pyuser")
out["auth_email"] = rpc("Authenticate", "identity.v1.AuthenticateRequest", "identity.v1.AuthenticateResponse",
                        login="py@example.com", password=P)
out["auth_username"] = rpc("Authenticate", "identity.v1.AuthenticateRequest", "identity.v1.AuthenticateResponse",
                           login="pyuser", password=P)
out["auth_wrong"] = rpc("Authenticate", "identity.v1.AuthenticateRequest", "identity.v1.AuthenticateResponse",
                        login="py@example.com", password=WRONG)
out["auth_unknown"] = rpc("Authenticate", "identity.v1.AuthenticateRequest", "identity.v1.AuthenticateResponse",
                          login="nobody@example.com", password=WRONG)
out["get"] = rpc("GetUser", "identity.v1.GetUserRequest", "identity.v1.User", email="py@example.com")
out["verify"] = rpc("VerifyEmail", "identity.v1.VerifyEmailRequest", "identity.v1.VerifyEmailResponse", email="py@example.com")
out["get_verified"] = rpc("GetUser", "identity.v1.GetUserRequest", "identity.v1.User", login="pyuser")
out["change_password"] = rpc("ChangePassword", "identity.v1.ChangePasswordRequest", "identity.v1.ChangePasswordResponse",
                             email="py@example.com", new_password=P2)
out["auth_old"] = rpc("Authenticate", "identity.v1.AuthenticateRequest", "identity.v1.AuthenticateResponse",
                      login="py@example.com", password=P)
out["auth_new"] = rpc("Authenticate", "identity.v1.AuthenticateRequest", "identity.v1.AuthenticateResponse",
                      login="py@example.com", password=P2)
out["create_other"] = rpc("CreateUser", "identity.v1.CreateUserRequest", "identity.v1.User",
                          email="taken@example.com", password=P)
out["change_email_taken"] = rpc("ChangeEmail", "identity.v1.ChangeEmailRequest", "identity.v1.ChangeEmailResponse",
                                email="py@example.com", new_email="TAKEN@example.com", verified=True)
out["change_email"] = rpc("ChangeEmail", "identity.v1.ChangeEmailRequest", "identity.v1.ChangeEmailResponse",
                          email="py@example.com", new_email="py2@example.com", verified=True)
out["bad_input"] = rpc("CreateUser", "identity.v1.CreateUserRequest", "identity.v1.User",
                       email="not an email", password=REFUSED)
# A refused request changed nothing: the address (a valid look-up key) still names no user.
out["get_after_bad_input"] = rpc("GetUser", "identity.v1.GetUserRequest", "identity.v1.User", email="not an email")
out["bad_username"] = rpc("CreateUser", "identity.v1.CreateUserRequest", "identity.v1.User",
                          email="refused@example.com", password=REFUSED, username="no spaces allowed!")
out["get_after_bad_username"] = rpc("GetUser", "identity.v1.GetUserRequest", "identity.v1.User",
                                    email="refused@example.com")
out["auth_after_bad_username"] = rpc("Authenticate", "identity.v1.AuthenticateRequest",
                                     "identity.v1.AuthenticateResponse", login="refused@example.com", password=REFUSED)
user_id = out["create"].get("body", {}).get("user_id", "")
out["delete"] = rpc("DeleteUser", "identity.v1.DeleteUserRequest", "identity.v1.DeleteUserResponse", user_id=user_id)
out["get_deleted"] = rpc("GetUser", "identity.v1.GetUserRequest", "identity.v1.User", email="py2@example.com")

# grpc.health.v1 without generated code: HealthCheckRequest{service} is field 1 (string);
# HealthCheckResponse{status} is field 1 (enum, SERVING = 1).
def health(service):
    name = service.encode()
    req = bytes([0x0A, len(name)]) + name
    stub = channel.unary_unary("/grpc.health.v1.Health/Check", request_serializer=None, response_deserializer=None)
    return stub(req, timeout=5).hex()

out["health"] = {"": health(""), "identity.v1.IdentityStore": health("identity.v1.IdentityStore")}


# grpc.reflection.v1 without generated code, as raw protobuf bytes.
def varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


def fields(buf):
    """(field number, value) pairs of one message: ints for varints, bytes for everything else."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, i = varint(buf, i)
        elif wire_type == 2:
            length, i = varint(buf, i)
            value, i = buf[i:i + length], i + length
        elif wire_type == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire_type == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("unsupported wire type %d" % wire_type)
        yield number, value


def reflection_list_services():
    # ServerReflectionRequest{list_services = "*"}: field 7, length-delimited.
    request = bytes([(7 << 3) | 2, 1]) + b"*"
    stub = channel.stream_stream("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                                 request_serializer=None, response_deserializer=None)
    names = []
    for response in stub(iter([request]), timeout=5):
        # ServerReflectionResponse.list_services_response is field 6; error_response is field 7.
        for number, value in fields(response):
            if number == 7:
                return {"error": value.hex()}
            if number == 6:
                # ListServiceResponse.service (field 1) → ServiceResponse.name (field 1).
                for n, service in fields(value):
                    if n == 1:
                        names.extend(name.decode() for k, name in fields(service) if k == 1)
    return {"services": names}


out["reflection"] = reflection_list_services()
print(json.dumps(out))
