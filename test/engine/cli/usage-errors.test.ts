/**
 * Usage errors stop a command before any work (issue 12 item 1), through `main(argv)`: exit 2
 * with the command's usage and nothing created (`repo create` without a folder, `simulate
 * --profile huge`, an option without its value); `query data-ids --order-by -visit` sorts
 * descending as its help says; `-d` is the data query (as in pipetask) and `-D`/`--dimensions`
 * the dimensions; `qg --version`; `qg` alone lists the commands. On the simulator's tiny
 * profile (SQLite, registry only).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Repository } from '../../../registry/index.js';
import { simulateRepository } from '../../../pipelines/simulate/index.js';
import { tempDir } from '../../support/test-repos.js';
import { cliRunner } from '../../support/cli-runner.js';

const PACKAGE = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('qg usage errors', () => {
  const dir = tempDir('qg-cli-usage-');
  const root = join(dir.path, 'repo');
  const run = cliRunner({ captureWrites: true });
  /** The data-ID rows of a `qg query data-ids` table (header and rule dropped), as arrays of cells. */
  const rows = (stdout: string) => stdout.trim().split('\n').slice(2).map((line) => line.trim().split(/\s+/));
  beforeAll(async () => {
    const repo = await Repository.create(root, {});
    try {
      await simulateRepository(repo, { profile: 'tiny', pixels: false });
    } finally {
      await repo.close();
    }
  }, 120_000);
  afterAll(() => dir.cleanup());

  it('repo create without a folder exits 2 with its usage and creates nothing (no ./undefined)', async () => {
    const cwd = process.cwd();
    const empty = join(dir.path, 'cwd');
    mkdirSync(empty);
    process.chdir(empty);
    try {
      const { status, stdout, stderr } = await run('repo', 'create');
      expect(status).toBe(2);
      expect(stderr).toContain('qg repo create <repo>');
      expect(stderr).toContain('Not enough non-option arguments');
      expect(stdout).toBe('');
      expect(readdirSync(empty)).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('simulate --profile huge exits 2 with its usage before creating the repository', async () => {
    const target = join(dir.path, 'R');
    const { status, stdout, stderr } = await run('simulate', target, '--profile', 'huge');
    expect(status).toBe(2);
    expect(stderr).toContain('Invalid values');
    expect(stderr).toContain('qg simulate <repo>');
    expect(stderr).toContain('"tiny"');
    expect(stdout).toBe('');
    expect(existsSync(target)).toBe(false);
  });

  it('query data-ids --order-by -visit sorts descending; -name may be comma-separated or repeated', async () => {
    const ascending = await run('query', 'data-ids', '-b', root, '--dimensions', 'visit', '--order-by', 'visit');
    expect(ascending.status).toBe(0);
    const visits = rows(ascending.stdout).map((r) => r[1]);
    expect(visits.length).toBeGreaterThan(1);
    expect(visits).toEqual([...visits].sort());
    const descending = await run('query', 'data-ids', '-b', root, '--dimensions', 'visit', '--order-by', '-visit');
    expect([descending.status, descending.stderr]).toEqual([0, '']);
    expect(rows(descending.stdout).map((r) => r[1])).toEqual([...visits].reverse());
    // the form with '=' works too, and a limit applies after the sort
    const last = await run('query', 'data-ids', '-b', root, '-D', 'visit', '--order-by=-visit', '--limit', '1');
    expect(rows(last.stdout).map((r) => r[1])).toEqual([visits.at(-1)]);
    // visit descending, then detector ascending: repeated, or comma-separated
    for (const orderBy of [['--order-by', '-visit', '--order-by', 'detector'], ['--order-by', '-visit,detector']]) {
      const both = await run('query', 'data-ids', '-b', root, '-D', 'visit,detector', ...orderBy, '--format', 'json');
      expect(both.status).toBe(0);
      const got = (JSON.parse(both.stdout) as { visit: number; detector: number }[]).map((r) => [r.visit, r.detector]);
      expect(got.length).toBeGreaterThan(visits.length);
      expect(got).toEqual([...got].sort((a, b) => b[0]! - a[0]! || a[1]! - b[1]!));
    }
  });

  it('query data-ids --order-by without a value exits 2 with the usage', async () => {
    const { status, stdout, stderr } = await run('query', 'data-ids', '-b', root, '-D', 'visit', '--order-by');
    expect(status).toBe(2);
    expect(stderr).toContain('Not enough arguments following: order-by');
    expect(stderr).toContain('qg query data-ids');
    expect(stdout).toBe('');
  });

  it('query data-ids: -d is the data query (--where), -D/--dimensions the dimensions', async () => {
    const all = await run('query', 'data-ids', '-b', root, '--dimensions', 'visit,detector', '--format', 'json');
    const one = await run('query', 'data-ids', '-b', root, '-D', 'visit,detector', '-d', 'detector = 1', '--format', 'json');
    expect([all.status, one.status]).toEqual([0, 0]);
    const found = JSON.parse(one.stdout) as { detector: number }[];
    expect(found.length).toBeGreaterThan(0);
    expect(found.length).toBeLessThan((JSON.parse(all.stdout) as unknown[]).length);
    expect(new Set(found.map((r) => r.detector))).toEqual(new Set([1]));
    const long = await run('query', 'data-ids', '-b', root, '--dimensions', 'visit,detector', '--data-query', 'detector = 1', '--format', 'json');
    expect(JSON.parse(long.stdout)).toEqual(found);
    // the old form names no dimensions now: a usage error, not a query
    const old = await run('query', 'data-ids', '-b', root, '-d', 'visit,detector');
    expect(old.status).toBe(2);
    expect(old.stderr).toContain('Missing required argument: dimensions');
    const help = await run('query', 'data-ids', '--help');
    expect(help.stdout).toContain('-D, --dimensions');
    expect(help.stdout).toMatch(/-w, -d, --where/);
    expect(help.stdout).not.toContain('-d visit');
  });

  it('query datasets takes -d as the data query too', async () => {
    const { status, stdout } = await run('query', 'datasets', 'raw', '-b', root, '-c', 'SimCam/defaults', '-d', 'detector = 1', '--format', 'json');
    expect(status).toBe(0);
    const found = JSON.parse(stdout) as { dataId: { detector: number } | string }[];
    expect(found.length).toBeGreaterThan(0);
    for (const r of found) expect(typeof r.dataId === 'string' ? JSON.parse(r.dataId).detector : r.dataId.detector).toBe(1);
  });

  it('qg --version prints the package version and exits 0', async () => {
    const { status, stdout } = await run('--version');
    expect(status).toBe(0);
    expect(stdout.trim()).toBe(PACKAGE.version);
  });

  it('--help and --version on a command exit 0 without running it', async () => {
    const target = join(dir.path, 'helped');
    const help = await run('simulate', target, '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('qg simulate <repo>');
    expect((await run('repo', 'create', target, '--version')).status).toBe(0);
    expect(existsSync(target)).toBe(false);
  });

  it('qg alone exits 2 listing the commands', async () => {
    const { status, stdout, stderr } = await run();
    expect(status).toBe(2);
    expect(stderr).toContain('Commands:');
    for (const command of ['qg repo <command>', 'qg query <command>', 'qg build', 'qg run [graph]', 'qg simulate <repo>']) expect(stderr).toContain(command);
    expect(stderr).toContain('--version');
    expect(stderr).toContain('Name a command');
    expect(stdout).toBe('');
  });
});
