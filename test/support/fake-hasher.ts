import type { CallContext } from '../../src/domain/call-context';
import { IdentityError } from '../../src/domain/errors';
import type { PasswordHasher, VerifyResult } from '../../src/domain/password-hasher';
import type { StoredPassword } from '../../src/domain/user';

/**
 * A PasswordHasher for domain unit tests: `fake:<password>` is current, `weak:<password>` verifies but
 * needs a rehash. Counts every call and keeps the CallContext each got, so tests can assert which work
 * was (not) done and under which deadline. `overloaded` raises `resource_exhausted`; `expired` raises
 * `deadline_exceeded`, as the KDF queue does when a caller's deadline passes while it waits.
 */
export class FakeHasher implements PasswordHasher {
  calls = { hash: 0, verify: 0, dummy: 0 };
  readonly contexts: Array<CallContext | undefined> = [];
  overloaded = false;
  expired = false;

  async hash(password: string, ctx?: CallContext): Promise<StoredPassword> {
    this.#gate(ctx);
    this.calls.hash++;
    return { hash: `fake:${password}`, format: 'fake' };
  }

  async verify(password: string, stored: StoredPassword, ctx?: CallContext): Promise<VerifyResult> {
    this.#gate(ctx);
    this.calls.verify++;
    if (stored.hash.startsWith('weak:')) {
      const match = stored.hash === `weak:${password}`;
      return { match, format: 'weak', needsRehash: match };
    }
    return { match: stored.hash === `fake:${password}`, format: 'fake', needsRehash: false };
  }

  async dummyVerify(_password: string, ctx?: CallContext): Promise<void> {
    this.#gate(ctx);
    this.calls.dummy++;
  }

  #gate(ctx: CallContext | undefined): void {
    this.contexts.push(ctx);
    if (this.overloaded) throw new IdentityError('resource_exhausted', 'overloaded');
    if (this.expired) throw new IdentityError('deadline_exceeded', 'deadline passed in the KDF queue');
  }
}
