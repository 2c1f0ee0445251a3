import { startTdsServer } from './tds-server';

/**
 * `npm run tds-server`: the TDS test server on its own, for working on the mssql path without a
 * SQL Server. Environment: TDS_PORT (default 1433), TDS_HOST (default 127.0.0.1), TDS_DATABASE (a
 * SQLite file; in memory when unset), TDS_USER and TDS_PASSWORD (when both are set only they log
 * in; any login is accepted otherwise). It speaks TDS without encryption, so the client must use
 * encrypt=false. Stops on SIGINT / SIGTERM.
 */
async function main(): Promise<void> {
  const env = process.env;
  const port = env.TDS_PORT ? Number(env.TDS_PORT) : 1433;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('TDS_PORT: expected a port number');
  const user = env.TDS_USER;
  const password = env.TDS_PASSWORD;
  const server = await startTdsServer({
    port,
    host: env.TDS_HOST ?? '127.0.0.1',
    ...(env.TDS_DATABASE ? { databaseFile: env.TDS_DATABASE } : {}),
    ...(user && password ? { credentials: { user, password } } : {}),
  });
  const where = env.TDS_DATABASE ? `SQLite file ${env.TDS_DATABASE}` : 'memory (lost on exit)';
  process.stdout.write(
    `TDS test server on ${server.host}:${server.port}, data in ${where}\n` +
      `  STORE_URL=mssql://${user ?? 'sa'}:<password>@${server.host}:${server.port}/legacy?encrypt=false\n` +
      `  (${user && password ? 'only TDS_USER/TDS_PASSWORD log in' : 'any user and password log in'}; this is not SQL Server)\n`,
  );
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`tds-server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
