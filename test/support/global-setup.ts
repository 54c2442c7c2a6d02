/**
 * Starts a throwaway PostgreSQL server for the whole test run; tests get its URL through
 * `inject('pgUrl')`. Set QG_TEST_PG_URL to use a server you run yourself, or
 * QG_TEST_DIALECTS=sqlite to skip PostgreSQL.
 */
import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
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
  const server = await startPostgres();
  project.provide('pgUrl', server.url);
  return server.stop;
}
