import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { createConfiguredHasher } from '../passwords/configured-hasher';
import { loadSchemaProfile } from '../store/load-schema-profile';
import { openRepository } from '../store/open-repository';
import { seedDemoUsers } from '../store/seed';
import type { CommandIO } from './command-io';
import { initStore } from './db-init';
import { serveCommand } from './serve';

export const DEMO_TOKEN_FILE = './data/bridge-token';

/** The demo bridge token: made once (32 random bytes, base64url), kept under ./data with mode 0600. */
function demoToken(): string {
  if (existsSync(DEMO_TOKEN_FILE)) return readFileSync(DEMO_TOKEN_FILE, 'utf8').trim();
  mkdirSync(dirname(DEMO_TOKEN_FILE), { recursive: true });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(DEMO_TOKEN_FILE, `${token}\n`, { mode: 0o600 });
  return token;
}

/**
 * `legacy-identity demo` (what `make run` runs): `db init`, the demo users in an empty store, a demo
 * bridge token unless BRIDGE_TOKENS is set, then `serve`, printing where everything is.
 */
export async function demoCommand(io: CommandIO): Promise<number> {
  const token = io.env.BRIDGE_TOKENS ?? demoToken();
  const env = { ...io.env, BRIDGE_TOKENS: token };
  const config = loadConfig(env);
  await initStore(config.store, { profile: config.schemaProfile, createLegacySchema: true });

  const logger = createLogger({ level: 'warn' });
  const hasher = createConfiguredHasher({
    cost: config.scrypt,
    membershipMachineKey: config.membershipMachineKey,
    logger,
  });
  const repository = await openRepository(config.store, {
    profile: loadSchemaProfile(config.schemaProfile, config.profileSettings),
    logger,
  });
  let seeded: Awaited<ReturnType<typeof seedDemoUsers>>;
  try {
    seeded = await seedDemoUsers(repository, hasher);
  } finally {
    await repository.close();
  }

  return serveCommand({ ...io, env }, (info) => {
    const lines = [
      '',
      '  legacy-identity-adapter demo',
      `  gRPC        ${info.grpcAddress}   (identity.v1.IdentityStore, health, reflection)`,
      `  bridge      ${info.bridgeUrl ?? 'off'}`,
      `  token       ${io.env.BRIDGE_TOKENS === undefined ? token : '(from BRIDGE_TOKENS)'}`,
      `  store       ${config.store.kind === 'sqlite' ? config.store.path : 'mssql'} (${seeded.seeded ? 'seeded now' : 'existing data'})`,
      '  demo users:',
      ...seeded.users.map((u) => `    ${u.email.padEnd(20)} ${(u.username ?? '-').padEnd(6)} ${u.password}`),
      '',
      `  try: curl -s -H "Authorization: Bearer $(cat ${DEMO_TOKEN_FILE})" -H 'content-type: application/json' \\`,
      `         -d '{"username_or_email":"alice","password":"alice-demo-password"}' ${info.bridgeUrl ?? ''}/v1/login`,
      '',
    ];
    io.out(lines.join('\n'));
  });
}
