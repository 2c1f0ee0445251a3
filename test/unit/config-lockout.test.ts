import assert from 'node:assert/strict';
import {
  LEGACY_LOCKOUT_CONFIG_KEYS,
  LegacyLockoutConfigError,
  parseLegacyLockoutConfig,
} from '../../src/config-lockout';
import { DEFAULT_LOCKOUT_POLICY } from '../../src/domain/lockout-policy';

describe('parseLegacyLockoutConfig (LEGACY_LOCKOUT*)', () => {
  it('is off by default: no policy, nothing written', () => {
    assert.equal(parseLegacyLockoutConfig({}), null);
    assert.equal(parseLegacyLockoutConfig({ LEGACY_LOCKOUT: 'off' }), null);
    assert.equal(parseLegacyLockoutConfig({ LEGACY_LOCKOUT: '  ' }), null);
  });

  it('on: the frameworks’ defaults (5 attempts, 5 minutes’ lockout, a 10-minute window)', () => {
    assert.deepEqual(parseLegacyLockoutConfig({ LEGACY_LOCKOUT: 'on' }), DEFAULT_LOCKOUT_POLICY);
    assert.deepEqual(DEFAULT_LOCKOUT_POLICY, { maxFailedAttempts: 5, lockoutMs: 300_000, attemptWindowMs: 600_000 });
  });

  it('on, with the site’s own limits', () => {
    assert.deepEqual(
      parseLegacyLockoutConfig({
        LEGACY_LOCKOUT: 'on',
        LEGACY_LOCKOUT_MAX_ATTEMPTS: '3',
        LEGACY_LOCKOUT_DURATION: '15m',
        LEGACY_LOCKOUT_WINDOW: '30s',
      }),
      { maxFailedAttempts: 3, lockoutMs: 900_000, attemptWindowMs: 30_000 },
    );
  });

  const refused: [Record<string, string>, string][] = [
    [{ LEGACY_LOCKOUT: 'maybe' }, 'LEGACY_LOCKOUT: expected on or off, got "maybe"'],
    [
      { LEGACY_LOCKOUT: 'on', LEGACY_LOCKOUT_MAX_ATTEMPTS: '0' },
      'LEGACY_LOCKOUT_MAX_ATTEMPTS: must be between 1 and 1000, got 0',
    ],
    [
      { LEGACY_LOCKOUT: 'on', LEGACY_LOCKOUT_MAX_ATTEMPTS: 'five' },
      'LEGACY_LOCKOUT_MAX_ATTEMPTS: expected an integer, got "five"',
    ],
    [
      { LEGACY_LOCKOUT: 'on', LEGACY_LOCKOUT_DURATION: '500ms' },
      'LEGACY_LOCKOUT_DURATION: must be between 1s and 365d',
    ],
    [{ LEGACY_LOCKOUT: 'on', LEGACY_LOCKOUT_DURATION: '400d' }, 'LEGACY_LOCKOUT_DURATION: must be between 1s and 365d'],
    [
      { LEGACY_LOCKOUT: 'on', LEGACY_LOCKOUT_WINDOW: 'ten minutes' },
      'LEGACY_LOCKOUT_WINDOW: expected a duration such as 30s, 10m or 2h, got "ten minutes"',
    ],
    // Checked while off too: a typo is reported now, not on the day the lockout is turned on.
    [{ LEGACY_LOCKOUT_WINDOW: '0s' }, 'LEGACY_LOCKOUT_WINDOW: must be between 1s and 365d'],
  ];
  for (const [env, message] of refused) {
    it(`refuses ${JSON.stringify(env)}, naming the key`, () => {
      assert.throws(
        () => parseLegacyLockoutConfig(env),
        (error: unknown) =>
          error instanceof LegacyLockoutConfigError &&
          error.message === message &&
          Object.hasOwn(LEGACY_LOCKOUT_CONFIG_KEYS, error.key) &&
          message.startsWith(`${error.key}: `),
      );
    });
  }
});
