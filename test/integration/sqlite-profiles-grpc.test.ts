import { DatabaseSync } from 'node:sqlite';
import { describeProfilesOverGrpc } from '../contract/profiles-grpc-contract';
import { startStack } from '../support/stack';

/** The profile scenarios on the embedded store: the service and the test share the SQLite file (WAL). */
describeProfilesOverGrpc({
  name: 'SQLite',
  async start(env) {
    const stack = await startStack({ env, bridge: true });
    return {
      stack,
      withDb(work) {
        const db = new DatabaseSync(stack.dbPath);
        try {
          return work(db);
        } finally {
          db.close();
        }
      },
      guid: (value) => value,
      close: () => stack.close(),
    };
  },
});
