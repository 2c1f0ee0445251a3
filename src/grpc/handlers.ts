import type { IdentityStoreServer } from '../../gen/identity/v1/identity_store';
import type { IdentityService } from '../domain/identity-service';
import { toProtoUser } from './convert';
import { type UnaryOptions, unary } from './unary';

/**
 * The seven RPCs: each converts the wire request to a use-case input, calls one use case, and
 * converts the answer back. Errors are mapped by `unary`. The last argument names the login the call
 * is about, for its span and log line (hashed unless OTEL_RECORD_EMAIL=true).
 */
export function createHandlers(service: IdentityService, options: UnaryOptions): IdentityStoreServer {
  return {
    authenticate: unary(
      options,
      'Authenticate',
      async (req, ctx) => ({
        user: toProtoUser(await service.authenticate({ login: req.login, password: req.password }, ctx)),
      }),
      (req) => req.login,
    ),
    getUser: unary(
      options,
      'GetUser',
      async (req, ctx) => toProtoUser(await service.getUser({ email: req.email, login: req.login }, ctx)),
      (req) => req.email || req.login,
    ),
    createUser: unary(
      options,
      'CreateUser',
      async (req, ctx) =>
        toProtoUser(
          await service.createUser(
            {
              email: req.email,
              password: req.password,
              username: req.username,
              userMetadata: req.userMetadata,
              appMetadata: req.appMetadata,
            },
            ctx,
          ),
        ),
      (req) => req.email,
    ),
    verifyEmail: unary(
      options,
      'VerifyEmail',
      async (req, ctx) => {
        await service.verifyEmail({ email: req.email }, ctx);
        return {};
      },
      (req) => req.email,
    ),
    changePassword: unary(
      options,
      'ChangePassword',
      async (req, ctx) => {
        await service.changePassword({ email: req.email, newPassword: req.newPassword }, ctx);
        return {};
      },
      (req) => req.email,
    ),
    deleteUser: unary(options, 'DeleteUser', async (req, ctx) => {
      await service.deleteUser({ userId: req.userId }, ctx);
      return {};
    }),
    changeEmail: unary(
      options,
      'ChangeEmail',
      async (req, ctx) => {
        await service.changeEmail({ email: req.email, newEmail: req.newEmail, verified: req.verified }, ctx);
        return {};
      },
      (req) => req.email,
    ),
  };
}
