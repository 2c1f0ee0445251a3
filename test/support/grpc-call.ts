import { type CallOptions, type ClientUnaryCall, Metadata, type ServiceError } from '@grpc/grpc-js';
import type { IdentityStoreClient } from '../../gen/identity/v1/identity_store';

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

export interface CallOpts {
  readonly deadlineMs?: number;
  readonly metadata?: Metadata;
}

function wrap<Req, Res>(method: Unary<Req, Res>) {
  return (request: Req, opts: CallOpts = {}): Promise<Res> =>
    new Promise((resolve, reject) => {
      const options = opts.deadlineMs === undefined ? {} : { deadline: Date.now() + opts.deadlineMs };
      method(request, opts.metadata ?? new Metadata(), options, (error, response) =>
        error ? reject(error) : resolve(response),
      );
    });
}

/** The generated client's seven RPCs as promise-returning functions. */
export function promiseClient(client: IdentityStoreClient) {
  return {
    authenticate: wrap(client.authenticate.bind(client)),
    getUser: wrap(client.getUser.bind(client)),
    createUser: wrap(client.createUser.bind(client)),
    verifyEmail: wrap(client.verifyEmail.bind(client)),
    changePassword: wrap(client.changePassword.bind(client)),
    deleteUser: wrap(client.deleteUser.bind(client)),
    changeEmail: wrap(client.changeEmail.bind(client)),
  };
}

export type PromiseClient = ReturnType<typeof promiseClient>;

/** The ServiceError of a call expected to fail; throws if it succeeds. */
export async function callError(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
