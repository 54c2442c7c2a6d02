/**
 * An unreachable PostgreSQL server: `qg repo create R --db URL` fails with one line naming
 * the server (its password masked) and no stack, exit status 1, and leaves no folder behind;
 * a folder that existed (empty) before stays, and opening a repository whose server is gone
 * says the same. The port is one a listener just gave back, so connecting is refused.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Repository, RegistryError } from '../../registry/index.js';
import { cliRunner } from '../support/cli-runner.js';
import { tempDir } from '../support/test-repos.js';

/** A local port nothing listens on (a listener's, closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('an unreachable PostgreSQL registry', () => {
  const dir = tempDir('qg-unreachable-');
  const qg = cliRunner();
  let url: string;
  beforeAll(async () => {
    url = `postgresql://qg:s3cret@127.0.0.1:${await closedPort()}/qg`;
  });
  afterAll(() => dir.cleanup());

  it('qg repo create: one line without the password or a stack, exit 1, no folder left', async () => {
    const warn = vi.spyOn(console, 'warn');
    const root = join(dir.path, 'parent', 'R');
    const result = await qg('repo', 'create', root, '--db', url);
    expect(result.status).toBe(1);
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines).toEqual([expect.stringContaining(`cannot connect to the PostgreSQL registry at ${url.replace('s3cret', '***')}: connect ECONNREFUSED`)]);
    expect(result.stderr).not.toContain('s3cret');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(warn).not.toHaveBeenCalled();
    expect(existsSync(join(dir.path, 'parent'))).toBe(false);
  });

  it('a folder that existed before stays, as empty as it was', async () => {
    const root = join(dir.path, 'mine');
    mkdirSync(root);
    const e = await Repository.create(root, { db: url }).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(RegistryError);
    expect((e as RegistryError).code).toBe('DATABASE');
    expect(readdirSync(root)).toEqual([]);
  });

  it('opening a repository whose server is gone says the same', async () => {
    const root = join(dir.path, 'gone');
    mkdirSync(root);
    writeFileSync(join(root, 'qg.yaml'), stringifyYaml({ qg_repository: 1, registry: { dialect: 'postgresql', url }, datastore: { template: '{run}/{id}' } }));
    const result = await qg('query', 'collections', '-b', root);
    expect(result.status).toBe(1);
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([expect.stringContaining('cannot connect to the PostgreSQL registry')]);
  });
});
