import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type {
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { IdentityStoreClient } from '../../gen/identity/v1/identity_store';
import type { Logger } from '../logger';
import { toAuth0Profile } from './profile';
import {
  ChangeEmailBody,
  ChangePasswordBody,
  CreateBody,
  DeleteBody,
  GetUserBody,
  LoginBody,
  VerifyBody,
} from './schemas';
import { callUpstream, UpstreamError } from './upstream';

export type BridgeApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  Logger,
  TypeBoxTypeProvider
>;

export interface RouteDeps {
  readonly client: IdentityStoreClient;
  /** gRPC deadline of every call, below the bridge's request budget. */
  readonly deadlineMs: number;
}

/**
 * The seven routes of ARCHITECTURE.md §3. Each handler turns JSON into one IdentityStore call and the
 * answer back into JSON; failures are thrown as UpstreamError and mapped once, by the error handler.
 */
export function registerRoutes(app: BridgeApp, deps: RouteDeps): void {
  const { client, deadlineMs } = deps;

  app.post('/v1/login', { schema: { body: LoginBody } }, async (request, reply) => {
    const { username_or_email: login, password } = request.body;
    const response = await callUpstream(
      'authenticate',
      client.authenticate.bind(client),
      { login, password },
      deadlineMs,
    );
    if (!response.user) throw missingUser('authenticate');
    return reply.code(200).send({ profile: toAuth0Profile(response.user) });
  });

  // Auth0 passes a username here when the connection requires usernames, so the value is looked up
  // as a login (email first, then username) — the same lookup Login uses, so both return one profile.
  app.post('/v1/get-user', { schema: { body: GetUserBody } }, async (request, reply) => {
    const user = await callUpstream(
      'getUser',
      client.getUser.bind(client),
      { email: '', login: request.body.email },
      deadlineMs,
    );
    return reply.code(200).send({ profile: toAuth0Profile(user) });
  });

  app.post('/v1/create', { schema: { body: CreateBody } }, async (request, reply) => {
    const body = request.body;
    const user = await callUpstream(
      'createUser',
      client.createUser.bind(client),
      {
        email: body.email,
        password: body.password,
        username: body.username,
        userMetadata: body.user_metadata,
        appMetadata: body.app_metadata,
      },
      deadlineMs,
    );
    return reply.code(201).send({ profile: toAuth0Profile(user) });
  });

  app.post('/v1/verify', { schema: { body: VerifyBody } }, async (request, reply) => {
    await callUpstream('verifyEmail', client.verifyEmail.bind(client), { email: request.body.email }, deadlineMs);
    return reply.code(200).send({ verified: true });
  });

  app.post('/v1/change-password', { schema: { body: ChangePasswordBody } }, async (request, reply) => {
    const { email, new_password: newPassword } = request.body;
    await callUpstream('changePassword', client.changePassword.bind(client), { email, newPassword }, deadlineMs);
    return reply.code(200).send({ changed: true });
  });

  app.post('/v1/delete', { schema: { body: DeleteBody } }, async (request, reply) => {
    await callUpstream('deleteUser', client.deleteUser.bind(client), { userId: request.body.user_id }, deadlineMs);
    return reply.code(200).send({ deleted: true });
  });

  app.post('/v1/change-email', { schema: { body: ChangeEmailBody } }, async (request, reply) => {
    const { email, new_email: newEmail, verified } = request.body;
    await callUpstream('changeEmail', client.changeEmail.bind(client), { email, newEmail, verified }, deadlineMs);
    return reply.code(200).send({ changed: true });
  });
}

/** Fields each route declares, so error messages may name them (and nothing the caller invented). */
export const DECLARED_FIELDS: readonly string[] = [
  ...new Set(
    [LoginBody, GetUserBody, CreateBody, VerifyBody, ChangePasswordBody, DeleteBody, ChangeEmailBody].flatMap((s) =>
      Object.keys(s.properties),
    ),
  ),
];

function missingUser(rpc: 'authenticate'): UpstreamError {
  return new UpstreamError(rpc, { code: GrpcStatus.INTERNAL, details: 'answer without a user' });
}
