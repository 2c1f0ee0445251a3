import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { initStore } from '../../src/commands/db-init';
import { createIdentityClient } from '../../src/grpc/client';
import { promiseClient } from '../support/grpc-call';
import { startServeProcess } from '../support/serve-process';
import { startStack } from '../support/stack';

const USERS = 8;
/** SIGKILL once this many changes have been acknowledged (with others still in flight). */
const KILL_AFTER_ACKS = 60;

interface UserState {
  readonly id: string;
  /** Every (email, password) the user may legitimately have now: the acknowledged one, and one in flight. */
  acked: { email: string; password: string };
  inFlight: { email: string; password: string } | null;
}

describe('SIGKILL in the middle of writes', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lia-sigkill-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves the store consistent: every user is exactly its last acknowledged state or the one in flight, never half-changed', async function () {
    this.timeout(120_000);
    const dbPath = join(dir, 'legacy.db');
    await initStore({ kind: 'sqlite', path: dbPath }, { profile: 'default', createLegacySchema: true });
    const serve = await startServeProcess({
      STORE_URL: `sqlite:${dbPath}`,
      GRPC_ADDR: '127.0.0.1:0',
      HTTP_ADDR: 'off',
      METRICS_ADDR: 'off',
      SCRYPT_LOG_N: '10',
      KDF_CONCURRENCY: '2',
      KDF_QUEUE_LIMIT: '64',
    });
    const client = createIdentityClient(serve.grpcAddress);
    const rpc = promiseClient(client);
    const users: UserState[] = [];
    try {
      for (let i = 0; i < USERS; i++) {
        const state = { email: `user${i}-v0@example.com`, password: `password ${i} version 0` };
        const user = await rpc.createUser({ email: state.email, password: state.password });
        users.push({ id: user.userId, acked: state, inFlight: null });
      }
      const exited = new Promise<NodeJS.Signals | null>((resolve) => serve.child.once('exit', (_c, s) => resolve(s)));
      let acks = 0;
      let killed = false;
      // Each user is changed by one worker, one change at a time: a new email, then a new password, repeatedly.
      await Promise.all(
        users.map(async (user, i) => {
          for (let version = 1; !killed; version++) {
            const next =
              version % 2 === 1
                ? { email: `user${i}-v${version}@example.com`, password: user.acked.password }
                : { email: user.acked.email, password: `password ${i} version ${version}` };
            user.inFlight = next;
            try {
              if (next.email !== user.acked.email) {
                await rpc.changeEmail({ email: user.acked.email, newEmail: next.email, verified: version % 4 === 1 });
              } else {
                await rpc.changePassword({ email: user.acked.email, newPassword: next.password });
              }
            } catch {
              // The process is gone; the change may or may not have been committed.
              return;
            }
            user.acked = next;
            user.inFlight = null;
            if (++acks === KILL_AFTER_ACKS) {
              killed = true;
              serve.child.kill('SIGKILL');
            }
          }
        }),
      );
      assert.equal(await exited, 'SIGKILL');
      assert.ok(
        users.some((u) => u.inFlight !== null),
        'some changes were in flight when the process died',
      );
    } finally {
      client.close();
      if (serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill('SIGKILL');
    }

    // The file itself: intact, no duplicate or lost row, every email one of the user's two states.
    const emails = new Map<string, string>();
    const db = new DatabaseSync(dbPath);
    try {
      assert.deepEqual(
        db
          .prepare('PRAGMA integrity_check')
          .all()
          .map((r) => ({ ...r })),
        [{ integrity_check: 'ok' }],
      );
      const rows = db.prepare('SELECT "Id" AS id, "Email" AS email FROM "Users"').all() as {
        id: string;
        email: string;
      }[];
      assert.equal(rows.length, USERS);
      for (const row of rows) emails.set(row.id, row.email);
    } finally {
      db.close();
    }

    // Reopened by a fresh service: each user is one whole state, its email and password from the same one.
    const stack = await startStack({ dir });
    try {
      const again = promiseClient(stack.client);
      for (const user of users) {
        const email = emails.get(user.id);
        const states = [user.acked, ...(user.inFlight ? [user.inFlight] : [])].filter((s) => s.email === email);
        assert.ok(
          states.length > 0,
          `user ${user.id}: email ${email} is neither its acknowledged nor its in-flight one`,
        );
        const matches = await Promise.all(
          states.map((s) =>
            again
              .authenticate({ login: s.email, password: s.password })
              .then(() => true)
              .catch(() => false),
          ),
        );
        assert.ok(matches.includes(true), `user ${user.id}: password of neither state`);
      }
    } finally {
      await stack.close({ keepDir: true });
    }
  });
});
