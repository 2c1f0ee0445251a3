import { IdentityError } from '../../src/domain/errors';
import type { PasswordHasher, VerifyResult } from '../../src/domain/password-hasher';
import type { StoredPassword } from '../../src/domain/user';

/**
 * A PasswordHasher for domain unit tests: `fake:<password>` is current, `weak:<password>` verifies but
 * needs a rehash. Counts every call so tests can assert which work was (not) done.
 */
export class FakeHasher implements PasswordHasher {
  calls = { hash: 0, verify: 0, dummy: 0 };
  overloaded = false;

  async hash(password: string): Promise<StoredPassword> {
    this.#gate();
    this.calls.hash++;
    return { hash: `fake:${password}`, format: 'fake' };
  }

  async verify(password: string, stored: StoredPassword): Promise<VerifyResult> {
    this.#gate();
    this.calls.verify++;
    if (stored.hash.startsWith('weak:')) {
      const match = stored.hash === `weak:${password}`;
      return { match, format: 'weak', needsRehash: match };
    }
    return { match: stored.hash === `fake:${password}`, format: 'fake', needsRehash: false };
  }

  async dummyVerify(): Promise<void> {
    this.#gate();
    this.calls.dummy++;
  }

  #gate(): void {
    if (this.overloaded) throw new IdentityError('resource_exhausted', 'overloaded');
  }
}
