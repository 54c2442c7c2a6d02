/**
 * Start-up machinery (issue 11 item 1), without timings (those are `npm run bench`):
 * engine/cli/launch.mjs's verdict on a dist/ build stamp, the command index compiled `qg`
 * lists commands from, and that the sources (as under vitest) register no TypeScript loader.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { commandIndex, helpText } from '../../../engine/cli/main.js';
import { prepareImport } from '../../../pipelines/core/typescript-import.js';
import { tempDir } from '../../support/test-repos.js';

type DistState = (root?: URL) => string;
const LAUNCH = new URL('../../../engine/cli/launch.mjs', import.meta.url).href;
const launch = async () => (await import(LAUNCH)) as { distState: DistState };

describe('dist/ build stamp', () => {
  let cleanup = () => {};
  afterEach(() => cleanup());

  /** A package folder with two sources and a stamp `builtAt` ms after epoch second 1000. */
  function fakePackage(stamp: object | null): { root: URL; path: string } {
    const dir = tempDir('qg-launch-');
    cleanup = dir.cleanup;
    mkdirSync(join(dir.path, 'engine/cli'), { recursive: true });
    mkdirSync(join(dir.path, 'dist'));
    for (const f of ['engine/cli/main.ts', 'engine/cli/other.ts']) {
      writeFileSync(join(dir.path, f), '');
      utimesSync(join(dir.path, f), 1000, 1000);
    }
    if (stamp) writeFileSync(join(dir.path, 'dist/build-stamp.json'), JSON.stringify(stamp));
    return { root: pathToFileURL(`${dir.path}/`), path: dir.path };
  }
  const SOURCES = ['engine/cli/main.ts', 'engine/cli/other.ts'];

  it('is fresh when every listed source is older than the build', async () => {
    const { distState } = await launch();
    expect(distState(fakePackage({ builtAt: 2_000_000, sources: SOURCES }).root)).toBe('fresh');
  });

  it('names the first source modified after the build, or gone since', async () => {
    const { distState } = await launch();
    const pkg = fakePackage({ builtAt: 2_000_000, sources: SOURCES });
    utimesSync(join(pkg.path, 'engine/cli/other.ts'), 3000, 3000);
    expect(distState(pkg.root)).toBe('engine/cli/other.ts');
    const gone = fakePackage({ builtAt: 2_000_000, sources: [...SOURCES, 'engine/cli/deleted.ts'] });
    expect(distState(gone.root)).toBe('engine/cli/deleted.ts');
  });

  it('is absent without a stamp (no build, or one cut short) or with a malformed one', async () => {
    const { distState } = await launch();
    expect(distState(fakePackage(null).root)).toBe('absent');
    expect(distState(fakePackage({ sources: SOURCES }).root)).toBe('absent');
  });
});

describe('command index', () => {
  it('lists every top-level command with its description, each once', async () => {
    const index = await commandIndex();
    const names = index.map((e) => String(e.command).split(/\s+/)[0]);
    expect(names).toEqual(expect.arrayContaining(['repo', 'query', 'build', 'show', 'run', 'simulate', 'pipeline']));
    expect(new Set(names).size).toBe(names.length);
    for (const e of index) expect(typeof e.describe === 'string' && e.describe.length > 0).toBe(true);
    // plain data: it is written as JSON by the build and read back by compiled qg
    expect(JSON.parse(JSON.stringify(index))).toEqual(index);
  });
});

describe('TypeScript task modules', () => {
  it('need no loader registration when qg runs from its sources', async () => {
    await expect(prepareImport(pathToFileURL('/somewhere/task.ts').href)).resolves.toBeUndefined();
    await expect(prepareImport(pathToFileURL('/somewhere/task.mjs').href)).resolves.toBeUndefined();
  });
});

describe('compiled qg (dist/qg.cjs)', () => {
  const BUNDLE = new URL('../../../dist/qg.cjs', import.meta.url);
  const compiled = async (entry: string) => {
    if (!existsSync(BUNDLE)) throw new Error(`${fileURLToPath(BUNDLE)} is missing: run \`npm run build\` (npm ci does)`);
    return (await import(LAUNCH) as { importCompiled: (entry: string) => Promise<Record<string, unknown>> }).importCompiled(entry);
  };

  it.each([
    ['engine/cli/main', 'main'], ['engine/cli/demo', 'runDemo'], ['engine/cli/cli-reference', 'cliReference'],
    ['engine/execute/worker-main', 'runWorker'], ['engine/execute/worker-pool', 'WorkerPool'],
    ['registry/index', 'Repository'], ['planner/index', 'buildQuantumGraph'],
  ])('offers the entry %s (its %s)', async (entry, name) => {
    expect(typeof (await compiled(entry))[name]).toBe('function');
  });

  it('has the help of the sources, word for word (it measures text with a fast path for ASCII)', async () => {
    const { helpText: compiledHelp } = (await compiled('engine/cli/main')) as { helpText: typeof helpText };
    for (const argv of [['--help'], ['build', '--help'], ['query', 'datasets', '--help'], ['show', '--help']]) {
      for (const width of [null, 72, 110]) expect(await compiledHelp(argv, width)).toBe(await helpText(argv, width));
    }
  });
});
