import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { IdentityRepository } from '../../src/domain/identity-repository';
import type { NewUser, StoredPassword } from '../../src/domain/user';
import type { UsersTableProfile } from '../../src/store/schema-profile';
import type { RepositoryHandle } from './repository-contract';

/** The shape of the adapter's own hashes (scrypt-kdf: 96 bytes beginning with "scrypt", in base64). */
export function scryptShapedHash(fill = 7): string {
  return Buffer.concat([Buffer.from('scrypt\0'), Buffer.alloc(89, fill)]).toString('base64');
}

/** What a new hash from the adapter looks like to the store (PasswordHasher.hash). */
const freshScrypt = (fill: number): StoredPassword => ({ hash: scryptShapedHash(fill), format: 'scrypt' });

/**
 * What a store adapter must do with the optional password columns of a users-table profile
 * (`passwordSalt`, `passwordFormat`), on top of the repository contract: keep the salt and format a
 * row was imported with, clear the salt and record `scrypt` when the adapter writes its own hash, and
 * compare the salt as well as the hash in the rehash compare-and-set. `profile` must map a salt column
 * and a format (fixed or column).
 */
export function describePasswordColumnsContract(
  name: string,
  profile: UsersTableProfile,
  open: () => Promise<RepositoryHandle>,
): void {
  const mapping = profile.passwordFormat;
  if (!profile.passwordSalt || !mapping) throw new Error(`profile ${profile.name} maps no salt and format`);
  /** The format a legacy row is read with: its own (format column) or the profile's fixed one. */
  const legacyFormat = mapping.kind === 'fixed' ? mapping.spec : 'salted-sha1;salt_position=suffix;encoding=utf16le';

  describe(`password salt and format columns: ${name} (${mapping.kind} format)`, () => {
    let handle: RepositoryHandle;
    let repo: IdentityRepository;
    let tag: string;
    const newUser = (local: string, password: StoredPassword): NewUser => ({
      email: `${local}-${tag}@example.com`,
      password,
      emailVerified: false,
    });
    const legacy = (salt: string | undefined): StoredPassword => ({
      hash: 'c6bd97a3f47431b4d6bfd2074480e8b0a9bb4e39',
      ...(salt === undefined ? {} : { salt }),
      format: legacyFormat,
    });
    const passwordOf = async (userId: string) => (await repo.findById(userId))?.password;

    beforeEach(async () => {
      tag = randomUUID().slice(0, 8);
      handle = await open();
      repo = handle.repository;
    });

    afterEach(async () => {
      await handle.close();
    });

    it('keeps the salt and format a legacy row was stored with, byte for byte', async () => {
      const salt = 'Sä/+ z=';
      const user = await repo.insert(newUser('salted', legacy(salt)));
      assert.deepEqual(user.password, legacy(salt));
      for (const found of [
        await repo.findById(user.userId),
        await repo.findByEmail(user.email),
        await repo.findByEmail(user.email.toUpperCase()),
      ]) {
        assert.deepEqual(found?.password, legacy(salt));
      }
    });

    it('reads a row without a salt as unsalted', async () => {
      const user = await repo.insert(newUser('unsalted', legacy(undefined)));
      assert.deepEqual(await passwordOf(user.userId), legacy(undefined));
    });

    it('reads the adapter’s own scrypt hashes as scrypt, with no salt', async () => {
      const user = await repo.insert(newUser('fresh', freshScrypt(1)));
      assert.deepEqual(await passwordOf(user.userId), freshScrypt(1));
    });

    it('a password change writes the new hash, clears the salt and records scrypt', async () => {
      const user = await repo.insert(newUser('change', legacy('s4lt')));
      assert.equal(await repo.updatePassword(user.userId, freshScrypt(2)), true);
      assert.deepEqual(await passwordOf(user.userId), freshScrypt(2));
    });

    it('compare-and-set: wins while hash and salt are the ones verified, leaving scrypt and no salt', async () => {
      const user = await repo.insert(newUser('cas', legacy('s4lt')));
      const verified = await passwordOf(user.userId);
      assert.ok(verified);
      assert.equal(await repo.updatePassword(user.userId, freshScrypt(3), verified), true);
      assert.deepEqual(await passwordOf(user.userId), freshScrypt(3));
      // The old password is gone: a second rehash from it loses.
      assert.equal(await repo.updatePassword(user.userId, freshScrypt(4), verified), false);
      assert.deepEqual(await passwordOf(user.userId), freshScrypt(3));
    });

    it('compare-and-set: loses when only the salt moved on, changing nothing', async () => {
      const user = await repo.insert(newUser('salt-moved', legacy('s4lt')));
      const expected = { ...legacy('other-salt') };
      assert.equal(await repo.updatePassword(user.userId, freshScrypt(5), expected), false);
      assert.equal(await repo.updatePassword(user.userId, freshScrypt(5), legacy('S4LT')), false);
      assert.equal(await repo.updatePassword(user.userId, freshScrypt(5), legacy(undefined)), false);
      assert.deepEqual(await passwordOf(user.userId), legacy('s4lt'));
    });

    it('compare-and-set: an unsalted row matches an expected password without a salt', async () => {
      const user = await repo.insert(newUser('cas-unsalted', legacy(undefined)));
      assert.equal(await repo.updatePassword(user.userId, freshScrypt(6), legacy(undefined)), true);
      assert.deepEqual(await passwordOf(user.userId), freshScrypt(6));
    });

    if (mapping.kind === 'column') {
      it('keeps each row’s own format, and a row without one is left to detection', async () => {
        const membership = {
          hash: 'iHVj3ekyDu7qKAqlBlbMWzXB21o=',
          salt: 'QQyhRwuDwN1j7MFRN6JUmw==',
          format: 'membership-sha1',
        };
        const a = await repo.insert(newUser('membership', membership));
        const b = await repo.insert(newUser('bare', { hash: '$2a$04$abcdefghijklmnopqrstuu' }));
        assert.deepEqual(await passwordOf(a.userId), membership);
        assert.deepEqual(await passwordOf(b.userId), { hash: '$2a$04$abcdefghijklmnopqrstuu' });
      });
    }
  });
}
