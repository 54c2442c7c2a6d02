/**
 * `npm run demo` deletes nothing unasked: an existing non-empty folder makes it refuse with
 * exit status 2 and one line naming --fresh, the folder untouched; a mistyped option is a
 * usage error too, before anything runs.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { runDemo } from '../../../engine/cli/demo.js';
import { tempDir } from '../../support/test-repos.js';

describe('npm run demo: arguments', () => {
  const dir = tempDir('qg-demo-args-');
  let err: MockInstance<typeof console.error>;
  beforeEach(() => {
    err = vi.spyOn(console, 'error').mockImplementation(() => {});
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => dir.cleanup());
  const printed = () => err.mock.calls.map((c) => c.join(' '));

  it('refuses an existing non-empty folder without --fresh, naming --fresh, and leaves it as it was', async () => {
    const repo = join(dir.path, 'demo-repo');
    mkdirSync(repo);
    writeFileSync(join(repo, 'keep.txt'), 'mine');
    expect(await runDemo([repo])).toBe(2);
    expect(printed()).toHaveLength(1);
    expect(printed()[0]).toContain(`'${repo}' exists and is not empty`);
    expect(printed()[0]).toContain('--fresh');
    expect(readFileSync(join(repo, 'keep.txt'), 'utf8')).toBe('mine');
    expect(await runDemo(['--radio', repo])).toBe(2);
    expect(existsSync(join(repo, 'keep.txt'))).toBe(true);
  });

  it('a mistyped option or two folders are usage errors', async () => {
    const repo = join(dir.path, 'never-made');
    expect(await runDemo(['--frsh', repo])).toBe(2);
    expect(printed()[0]).toMatch(/^demo: unknown option --frsh; usage: npm run demo/);
    expect(await runDemo([repo, `${repo}2`])).toBe(2);
    expect(printed()[1]).toMatch(/one folder at most/);
    expect(existsSync(repo)).toBe(false);
  });
});
