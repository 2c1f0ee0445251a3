import { type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import { BackgroundWork } from './background-work';
import { type CallContext, NO_CONTEXT } from './call-context';
import type { DomainDeps } from './deps';
import { toIdentityError } from './errors';
import { type AuthenticateInput, authenticate } from './use-cases/authenticate';
import { type ChangeEmailInput, changeEmail } from './use-cases/change-email';
import { type ChangePasswordInput, changePassword } from './use-cases/change-password';
import { type CreateUserInput, createUser } from './use-cases/create-user';
import { deleteUser } from './use-cases/delete-user';
import { type GetUserInput, getUser } from './use-cases/get-user';
import { verifyEmail } from './use-cases/verify-email';
import type { User } from './user';

const tracer = trace.getTracer('legacy-identity-adapter/domain');

/**
 * The seven use cases of the IdentityStore API. Each runs in its own `identity.*` span whose
 * `identity.outcome` says how it ended; refusals (wrong password, not found) are normal outcomes,
 * only faults (outage, timeout, bug) mark the span as an error. Every failure is an IdentityError.
 */
export class IdentityService {
  readonly #deps: DomainDeps;

  constructor(deps: Omit<DomainDeps, 'background'> & { background?: BackgroundWork }) {
    this.#deps = { ...deps, background: deps.background ?? new BackgroundWork() };
  }

  authenticate(input: AuthenticateInput, ctx: CallContext = NO_CONTEXT): Promise<User> {
    return this.#run('identity.authenticate', () => authenticate(this.#deps, input, ctx));
  }

  getUser(input: GetUserInput, ctx: CallContext = NO_CONTEXT): Promise<User> {
    return this.#run('identity.get_user', () => getUser(this.#deps, input, ctx));
  }

  createUser(input: CreateUserInput, ctx: CallContext = NO_CONTEXT): Promise<User> {
    return this.#run('identity.create_user', () => createUser(this.#deps, input, ctx));
  }

  verifyEmail(input: { readonly email: string }, ctx: CallContext = NO_CONTEXT): Promise<void> {
    return this.#run('identity.verify_email', () => verifyEmail(this.#deps, input, ctx));
  }

  changePassword(input: ChangePasswordInput, ctx: CallContext = NO_CONTEXT): Promise<void> {
    return this.#run('identity.change_password', () => changePassword(this.#deps, input, ctx));
  }

  deleteUser(input: { readonly userId: string }, ctx: CallContext = NO_CONTEXT): Promise<void> {
    return this.#run('identity.delete_user', () => deleteUser(this.#deps, input, ctx));
  }

  changeEmail(input: ChangeEmailInput, ctx: CallContext = NO_CONTEXT): Promise<void> {
    return this.#run('identity.change_email', () => changeEmail(this.#deps, input, ctx));
  }

  /** Answers when the store does. Raises `unavailable`. */
  async ping(ctx: CallContext = NO_CONTEXT): Promise<void> {
    try {
      await this.#deps.repository.ping(ctx);
    } catch (error) {
      throw toIdentityError(error);
    }
  }

  /** Waits for work that outlived its request (hash upgrades). */
  settle(): Promise<void> {
    return this.#deps.background.settle();
  }

  #run<T>(name: string, work: () => Promise<T>): Promise<T> {
    return tracer.startActiveSpan(name, async (span: Span) => {
      try {
        const result = await work();
        span.setAttribute('identity.outcome', 'ok');
        return result;
      } catch (thrown) {
        const error = toIdentityError(thrown);
        span.setAttribute('identity.outcome', error.code);
        if (error.isFault) {
          span.recordException(error.cause instanceof Error ? error.cause : error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
        }
        throw error;
      } finally {
        span.end();
      }
    });
  }
}
