/**
 * The `qg` CLI through `main(argv)` on each dialect: create a repository, import the LSST
 * fixture, list what is there as JSON, export and re-import, check it; bad input exits 2
 * with a suggestion, and an unknown option does so before the command does anything. Console output is captured with vi.spyOn.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../engine/cli/main.js';
import { Repository, runFolder } from '../../../registry/index.js';
import { DIALECTS, dialectOptions, tempDir } from '../../support/test-repos.js';
import { datasetCountsOf, FIXTURE_EXPORT, loadFixturePlain, loadProblem, parseExportPlain } from '../../registry/registry-test-helpers.js';

const problem = loadProblem();

describe.each(DIALECTS)('%s: qg CLI', (dialect) => {
  const dir = tempDir('qg-cli-');
  const root = join(dir.path, 'repo');
  const db = () => {
    const o = dialectOptions(dialect);
    return o.db ? ['--db', o.db, '--schema', o.schema!] : [];
  };
  let log: MockInstance<typeof console.log>;
  let err: MockInstance<typeof console.error>;
  let write: MockInstance<typeof process.stdout.write>;
  const out = () => log.mock.calls.map((c) => c.join(' ')).join('\n');
  const errors = () => err.mock.calls.map((c) => c.join(' ')).join('\n');
  /** Runs the CLI with fresh captures; returns status, stdout (console.log) and stderr. */
  const run = async (...argv: string[]) => {
    log.mockClear();
    err.mockClear();
    const status = await main(argv);
    return { status, stdout: out(), stderr: errors() };
  };
  beforeEach(() => {
    log = vi.spyOn(console, 'log').mockImplementation(() => {});
    err = vi.spyOn(console, 'error').mockImplementation(() => {});
    write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });
  beforeAll(async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(await main(['repo', 'create', root, ...db()])).toBe(0);
      expect(await main(['repo', 'import', root, FIXTURE_EXPORT])).toBe(0);
    } finally {
      vi.restoreAllMocks();
    }
  });
  afterAll(() => {
    process.exitCode = undefined;
    dir.cleanup();
  });

  it('repo create made a repository on this dialect', async () => {
    const repo = await Repository.open(root);
    try {
      expect(repo.config.registry.dialect).toBe(dialect);
    } finally {
      await repo.close();
    }
  });

  it('query collections --format json lists the 6 collections with the chain', async () => {
    const { status, stdout } = await run('query', 'collections', '-b', root, '--format', 'json');
    expect(status).toBe(0);
    const rows = JSON.parse(stdout) as { name: string; type: string; children: string }[];
    const c = problem.collections;
    expect(rows.map((r) => r.name).sort()).toEqual([c['raw_run'], c['skymap_run'], c['calib'], c['input_chain'], ...problem.calib_epochs.map((e) => e.run)].sort());
    const chain = rows.find((r) => r.name === c['input_chain'])!;
    expect(chain.type).toBe('CHAINED');
    expect(chain.children).toBe([c['raw_run'], c['calib'], c['skymap_run']].join(', '));
    expect(rows.find((r) => r.name === c['calib'])!.type).toBe('CALIBRATION');
  });

  it('query collections with a glob and a type; table output by default', async () => {
    const json = await run('query', 'collections', 'SynthCam/calib*', '-b', root, '--format', 'json', '--type', 'RUN');
    expect(JSON.parse(json.stdout).map((r: { name: string }) => r.name)).toEqual(['SynthCam/calib/epoch0', 'SynthCam/calib/epoch1']);
    const table = await run('query', 'collections', '-b', root);
    expect(table.status).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^name\s+type\s+children$/);
    expect(table.stdout).toContain('SynthCam/defaults');
  });

  it('query dataset-types and datasets (find-first through the chain, calibrations by --time)', async () => {
    const types = JSON.parse((await run('query', 'dataset-types', '-b', root, '--format', 'json')).stdout) as { name: string; isCalibration: boolean }[];
    expect(types.map((t) => t.name)).toEqual(['bias', 'flat', 'raw', 'skyMap']);
    expect(types.filter((t) => t.isCalibration).map((t) => t.name)).toEqual(['bias', 'flat']);
    const counts = datasetCountsOf(loadFixturePlain().data);
    const raws = await run('query', 'datasets', 'raw', '-b', root, '-c', 'SynthCam/defaults', '--find-first', '--time', '2024-01-01T00:00:00', '--format', 'json');
    expect(raws.status).toBe(0);
    expect(JSON.parse(raws.stdout)).toHaveLength(counts.get('raw')!);
    // the bias valid at each instant comes from the epoch whose MJD (TAI) range holds it
    for (const [iso, mjd] of [['2024-01-01T00:00:00', 60310], ['2024-01-01T00:10:00', 60310 + 600 / 86400]] as const) {
      const epoch = problem.calib_epochs.find((e) => e.begin_mjd_tai <= mjd && mjd < e.end_mjd_tai)!;
      const found = JSON.parse((await run('query', 'datasets', 'bias', '-b', root, '-c', 'SynthCam/defaults', '--find-first', '--time', iso, '--format', 'json')).stdout) as { run: string }[];
      expect(found).toHaveLength(problem.detectors.length);
      expect(new Set(found.map((r) => r.run))).toEqual(new Set([epoch.run]));
    }
    const noTime = await run('query', 'datasets', 'bias', '-b', root, '-c', 'SynthCam/defaults', '--find-first');
    expect(noTime.status).toBe(2);
    expect(noTime.stderr).toContain('needs a time');
    const limited = await run('query', 'datasets', 'raw,skyMap', '-b', root, '-c', 'SynthCam/raw/all,skymaps', '--limit', '3', '--format', 'json');
    const rows = JSON.parse(limited.stdout) as { type: string }[];
    expect(rows.filter((r) => r.type === 'raw')).toHaveLength(3);
    expect(rows.filter((r) => r.type === 'skyMap')).toHaveLength(1);
  });

  it('query dimension-records lists records', async () => {
    const detectors = await run('query', 'dimension-records', 'detector', '-b', root, '--format', 'json');
    expect(JSON.parse(detectors.stdout)).toHaveLength(problem.detectors.length);
    const visits = await run('query', 'dimension-records', 'visit', '-b', root, '--limit', '2');
    expect(visits.stdout).toContain('polygon(4 vertices)');
    expect(visits.stdout).toContain('TAI');
  });

  it('an unknown dataset type exits 2 with a suggestion', async () => {
    const { status, stderr } = await run('query', 'datasets', 'rwa', '-b', root, '-c', 'SynthCam/defaults');
    expect(status).toBe(2);
    expect(stderr).toContain("unknown dataset type 'rwa'");
    expect(stderr).toContain("did you mean 'raw'");
  });

  it('other bad input exits 2: unknown element, unknown collection, unknown command, missing repository', async () => {
    const element = await run('query', 'dimension-records', 'detecter', '-b', root);
    expect([element.status, element.stderr.includes("did you mean 'detector'")]).toEqual([2, true]);
    const collection = await run('query', 'datasets', 'raw', '-b', root, '-c', 'SynthCam/default');
    expect([collection.status, collection.stderr.includes("did you mean 'SynthCam/defaults'")]).toEqual([2, true]);
    expect((await run('frobnicate')).status).toBe(2);
    const missing = await run('query', 'collections', '-b', join(dir.path, 'nowhere'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('not a qg repository');
  });

  it('an unknown option stops every command before any work, with its usage: build saves nothing, run runs nothing', async () => {
    const graph = join(dir.path, 'bogus.qg');
    const buildArgs = ['build', '-b', root, '-p', 'drp.yaml#isr', '-i', 'SynthCam/defaults', '--output-run', 'u/bogus/run', '--where', "instrument='SynthCam' AND detector = 1", '--save', graph];
    const bogus = await run(...buildArgs, '--bogus-flag');
    expect(bogus.status).toBe(2);
    expect(bogus.stderr).toContain('qg: error: Unknown argument');
    expect(bogus.stderr).toContain('bogus-flag');
    expect(bogus.stderr).toContain('qg build');
    expect(bogus.stderr).toContain('--save');
    expect(bogus.stdout).toBe('');
    expect(existsSync(graph)).toBe(false);
    expect((await run(...buildArgs)).status).toBe(0);
    expect(existsSync(graph)).toBe(true);
    const retires = await run('run', graph, '-b', root, '--retires', '2');
    expect(retires.status).toBe(2);
    expect(retires.stderr).toContain('retires');
    expect(retires.stderr).toContain('--retries');
    const repo = await Repository.open(root);
    try {
      expect(await repo.registry.collections.has('u/bogus/run')).toBe(false);
    } finally {
      await repo.close();
    }
    expect(existsSync(join(root, runFolder('u/bogus/run')))).toBe(false);
  });

  it('repo export writes the fixture content back; it imports into a new repository', async () => {
    const file = join(dir.path, 'export.yaml');
    expect((await run('repo', 'export', root, file)).status).toBe(0);
    const exported = parseExportPlain(readFileSync(file, 'utf8'));
    expect(datasetCountsOf(exported.data)).toEqual(datasetCountsOf(loadFixturePlain().data));
    const second = join(dir.path, 'second');
    expect((await run('repo', 'create', second, ...db())).status).toBe(0);
    const imported = await run('repo', 'import', second, file);
    expect(imported.status).toBe(0);
    expect(imported.stdout).toMatch(/imported \d+ dimension records, 6 collections/);
    // export to stdout gives the same text as the file
    write.mockClear();
    expect((await run('repo', 'export', second)).status).toBe(0);
    expect(write.mock.calls.map((c) => String(c[0])).join('')).toBe(readFileSync(file, 'utf8'));
  });

  it('repo check passes on the imported repository', async () => {
    const { status, stdout } = await run('repo', 'check', root);
    expect(status).toBe(0);
    expect(stdout).toContain('all expected indexes present');
    expect(stdout).toContain(`registry: ${dialect}`);
  });

  it('importing a file that is not there exits 2 naming it', async () => {
    const { status, stderr } = await run('repo', 'import', root, join(root, 'no-such-export.yaml'));
    expect(status).toBe(2);
    expect(stderr).toContain("no-such-export.yaml': no such file");
  });

  it('importing into an occupied repository exits 2 naming the record already there', async () => {
    const { status, stderr } = await run('repo', 'import', root, FIXTURE_EXPORT);
    expect(status).toBe(2);
    expect(stderr).toMatch(/export\.yaml:\d+: .*dataset id [0-9a-f-]{36} already exists in the registry/);
  });

  describe('after a failing repo check', () => {
    beforeAll(async () => {
      const repo = await Repository.open(root);
      try {
        await repo.registry.knex.raw('DROP INDEX "patch_overlap_px"');
      } finally {
        await repo.close();
      }
    });

    it('repo check exits 1 naming the missing index', async () => {
      const { status, stdout } = await run('repo', 'check', root);
      expect(status).toBe(1);
      expect(stdout).toContain('MISSING INDEXES');
      expect(stdout).toContain('patch_htm7_overlap(htm7)');
    });

    // regression: process.exitCode set by `repo check` used to leak into later main() calls
    it('a later successful command still exits 0', async () => {
      expect((await run('repo', 'check', root)).status).toBe(1);
      const after = await run('query', 'collections', '-b', root, '--format', 'json');
      expect(after.status).toBe(0);
    });
  });
});
