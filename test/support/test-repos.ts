/**
 * Test repositories on every dialect under test: SQLite in a temporary folder, PostgreSQL in
 * a fresh schema of the test server. Loop over `DIALECTS` (narrow with QG_TEST_DIALECTS).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { Repository, type CreateOptions } from '../../registry/index.js';

/** Dialects the suite runs on. */
export const DIALECTS = (process.env.QG_TEST_DIALECTS ?? 'sqlite,postgresql').split(',') as ('sqlite' | 'postgresql')[];

/** A temporary folder removed by the returned cleanup. */
export function tempDir(prefix = 'qg-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** The `qg repo create` options that put a new repository on `dialect`. */
export function dialectOptions(dialect: 'sqlite' | 'postgresql'): CreateOptions {
  if (dialect === 'sqlite') return {};
  const url = inject('pgUrl');
  if (!url) throw new Error('PostgreSQL tests need the global setup (or QG_TEST_PG_URL)');
  return { db: url, schema: `t_${randomBytes(6).toString('hex')}` };
}

/** Creates a fresh repository; call `dispose` in afterEach/afterAll. */
export async function makeRepo(dialect: 'sqlite' | 'postgresql', options: Omit<CreateOptions, 'db' | 'schema'> = {}): Promise<{ repo: Repository; root: string; dispose: () => Promise<void> }> {
  const dir = tempDir();
  const root = join(dir.path, 'repo');
  const repo = await Repository.create(root, { ...dialectOptions(dialect), ...options });
  return {
    repo, root,
    dispose: async () => {
      await repo.close();
      dir.cleanup();
    },
  };
}
