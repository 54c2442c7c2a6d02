/**
 * Data-safety rules of `qg repo import`, on each dialect. Each test first states the attack
 * (a small export that used to import, or to fail with raw SQL text or a TypeError), then
 * the rule: file paths stay inside their own run's folder and off qg's own files, referenced
 * files are checked (present: size and checksum recorded; absent: marked not transferred),
 * YAML is bounded, and everything is validated before the one transaction writes anything,
 * with errors naming the file, line, entry and record.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256, type Repository } from '../../../registry/index.js';
import { importButlerExport } from '../../../registry/butler-export/butler-import.js';
import { DIALECTS, makeRepo, tempDir } from '../../support/test-repos.js';
import { contentCounts, FIXTURE_EXPORT, rejection } from '../registry-test-helpers.js';

const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/**
 * A small, valid export: instrument Cam with detectors 0 and 1, RUNs `cam/raw` and `cam/raw/x`
 * (nested), type `calexp` {instrument, detector}, one dataset per run.
 */
const BASE = `description: Butler Data Repository Export
version: 1.0.2
universe_version: 4
universe_namespace: daf_butler
data:
- type: dimension
  element: instrument
  records:
  - name: Cam
    detector_max: 2
- type: dimension
  element: detector
  records:
  - instrument: Cam
    id: 0
    full_name: D0
  - instrument: Cam
    id: 1
    full_name: D1
- type: collection
  collection_type: RUN
  name: cam/raw
- type: collection
  collection_type: RUN
  name: cam/raw/x
- type: dataset_type
  name: calexp
  dimensions:
  - instrument
  - detector
  storage_class: ExposureF
  is_calibration: false
- type: dataset
  dataset_type: calexp
  run: cam/raw
  records:
  - dataset_id:
    - !uuid '${ID(1)}'
    data_id:
    - instrument: Cam
      detector: 0
    path: cam/raw/calexp/calexp_0.fits
    formatter: lsst.obs.base.formatters.fitsExposure.FitsExposureFormatter
- type: dataset
  dataset_type: calexp
  run: cam/raw/x
  records:
  - dataset_id:
    - !uuid '${ID(2)}'
    data_id:
    - instrument: Cam
      detector: 1
    path: cam/raw/x/calexp/calexp_1.fits
    formatter: lsst.obs.base.formatters.fitsExposure.FitsExposureFormatter
`;

/** BASE with `from` (which must occur exactly once) replaced by `to`. */
function edit(from: string, to: string, text = BASE): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`'${from}' must occur once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** The 1-based line of the only line of `text` containing `needle`. */
function lineOf(text: string, needle: string): number {
  const lines = text.split('\n').map((l, i) => [l, i + 1] as const).filter(([l]) => l.includes(needle));
  if (lines.length !== 1) throw new Error(`'${needle}' must be on exactly one line`);
  return lines[0]![1];
}

/** A dataset record of `calexp` in `cam/raw` appended to BASE's first dataset entry. */
function withRecord(fields: { id?: string; detector?: number | string }): string {
  const record = ['  - dataset_id:', `    - !uuid '${fields.id ?? ID(9)}'`, '    data_id:', '    - instrument: Cam', `      detector: ${fields.detector ?? 1}`].join('\n');
  return edit('    path: cam/raw/calexp/calexp_0.fits\n    formatter: lsst.obs.base.formatters.fitsExposure.FitsExposureFormatter\n',
    `    path: cam/raw/calexp/calexp_0.fits\n    formatter: lsst.obs.base.formatters.fitsExposure.FitsExposureFormatter\n${record}\n`);
}

/** An alias bomb of about 1.3 KB: nine levels of nine aliases each (9^9 strings when expanded). */
function aliasBomb(): string {
  const names = 'abcdefghi';
  let text = `${names[0]}: &${names[0]} [${Array(9).fill(`"${'lol'.repeat(30)}"`).join(', ')}]\n`;
  for (let i = 1; i < names.length; i++) text += `${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(', ')}]\n`;
  return text;
}

describe.each(DIALECTS)('%s: import safety', (dialect) => {
  const dir = tempDir('qg-import-safety-');
  let n = 0;
  /** Writes `text` as an export file; returns its path. */
  const exportFile = (text: string) => {
    const path = join(dir.path, `export-${++n}.yaml`);
    writeFileSync(path, text);
    return path;
  };
  /**
   * Imports `text` into a fresh repository that holds RUN `other/run` (after `setup(root)`),
   * expecting a refusal that leaves the registry unchanged; `after(root)` looks at the files.
   */
  const refused = async (text: string, setup: (root: string) => void = () => {}, after: (root: string) => void = () => {}) => {
    const ctx = await makeRepo(dialect);
    try {
      await ctx.repo.registry.collections.register('other/run', 'RUN');
      setup(ctx.root);
      const before = await contentCounts(ctx.repo);
      const path = exportFile(text);
      const e = await rejection(importButlerExport(ctx.repo, path));
      expect(await contentCounts(ctx.repo), e.message).toEqual(before);
      expect(await ctx.repo.registry.collections.has('cam/raw')).toBe(false);
      after(ctx.root);
      return { e, path, root: ctx.root };
    } finally {
      await ctx.dispose();
    }
  };
  /** Runs `fn` with a fresh repository. */
  const withRepo = async (fn: (repo: Repository, root: string) => Promise<void>) => {
    const ctx = await makeRepo(dialect);
    try {
      await fn(ctx.repo, ctx.root);
    } finally {
      await ctx.dispose();
    }
  };
  afterAll(() => dir.cleanup());

  describe('file paths (item 1)', () => {
    it("a path naming the registry database is refused, naming the record; the database stays", async () => {
      const target = dialect === 'sqlite' ? 'registry.sqlite3' : 'qg.yaml';
      let kept = false;
      const { e, path } = await refused(edit('path: cam/raw/calexp/calexp_0.fits', `path: ${target}`), () => {}, (root) => (kept = existsSync(join(root, target))));
      expect(kept).toBe(true);
      expect(e.code).toBe('PATH');
      expect(e.message).toContain(`${path}:${lineOf(BASE, 'path: cam/raw/calexp/calexp_0.fits')}:`);
      expect(e.message).toContain('dataset type calexp');
      expect(e.message).toContain("{instrument: 'Cam', detector: 0}");
      expect(e.message).toContain(`'${target}'`);
      expect(e.message).toContain("run folder 'cam/raw/'");
    });

    it("qg's own files in the run folder (_run.lock, _events.jsonl, _graph.qg) are refused", async () => {
      for (const own of ['_run.lock', '_events.jsonl', '_graph.qg', 'calexp/_x/y.fits']) {
        const { e } = await refused(edit('path: cam/raw/calexp/calexp_0.fits', `path: cam/raw/${own}`));
        expect(e.code, own).toBe('PATH');
        expect(e.message, own).toContain("qg's own");
      }
    });

    it("another run's file is refused: a sibling run, and a run nested inside this run's folder", async () => {
      const sibling = await refused(edit('path: cam/raw/calexp/calexp_0.fits', 'path: other/run/raw/raw_1.fits'));
      expect(sibling.e.code).toBe('PATH');
      const nested = await refused(edit('path: cam/raw/calexp/calexp_0.fits', 'path: cam/raw/x/calexp/calexp_1.fits'));
      expect(nested.e.code).toBe('PATH');
      expect(nested.e.message).toContain("run 'cam/raw/x'");
    });

    it('non-canonical paths are refused: .., absolute, empty or . segments, NUL', async () => {
      for (const bad of ['cam/raw/../raw/calexp/a.fits', '/cam/raw/a.fits', 'cam/raw//a.fits', 'cam/raw/./a.fits', '"cam/raw/a\\0.fits"']) {
        const { e } = await refused(edit('path: cam/raw/calexp/calexp_0.fits', `path: ${bad}`));
        expect(['PATH', 'EXPORT_FORMAT'], bad).toContain(e.code);
      }
    });

    it('a present file gets its size and checksum; an absent one is marked not transferred', async () => {
      await withRepo(async (repo, root) => {
        const bytes = new TextEncoder().encode('present');
        mkdirSync(join(root, 'cam/raw/calexp'), { recursive: true });
        writeFileSync(join(root, 'cam/raw/calexp/calexp_0.fits'), bytes);
        const summary = await importButlerExport(repo, exportFile(BASE));
        expect(summary.filesNotTransferred).toBe(1);
        const knex = repo.registry.knex;
        const rows = await repo.registry.db.arrays(knex, knex('datastore_record').select('dataset_id', 'path', 'checksum', 'file_size').orderBy('dataset_id'));
        expect(rows.map(([id, path, checksum, size]) => [String(id), path, checksum, size === null ? null : Number(size)])).toEqual([
          [ID(1), 'cam/raw/calexp/calexp_0.fits', sha256(bytes), bytes.length],
          [ID(2), 'cam/raw/x/calexp/calexp_1.fits', null, null],
        ]);
      });
    });

    it('a path that is a folder, or reached through a symbolic link, is refused', async () => {
      const folder = await refused(BASE, (root) => mkdirSync(join(root, 'cam/raw/calexp/calexp_0.fits'), { recursive: true }));
      expect(folder.e.code).toBe('PATH');
      expect(folder.e.message).toContain('not a regular file');
      const linked = await refused(edit('path: cam/raw/calexp/calexp_0.fits', 'path: cam/raw/calexp/qg.yaml'), (root) => {
        mkdirSync(join(root, 'cam/raw'), { recursive: true });
        symlinkSync(root, join(root, 'cam/raw/calexp'));
      });
      expect(linked.e.code).toBe('PATH');
      expect(linked.e.message).toContain('symbolic link');
    });
  });

  describe('bounded YAML (item 7)', () => {
    it('a 1.3 KB alias bomb fails fast with YAML_LIMIT', async () => {
      const bomb = aliasBomb();
      expect(bomb.length).toBeGreaterThan(1000);
      expect(bomb.length).toBeLessThan(1500);
      const start = performance.now();
      // the anchors sit under a key of their own; a string field of detector 1 expands the last one
      const text = edit('full_name: D1', 'full_name: *i', BASE.replace('data:\n', `bomb:\n${bomb.trimEnd().replace(/^/gm, '  ')}\ndata:\n`));
      const { e } = await refused(text);
      expect(e.code).toBe('YAML_LIMIT');
      expect(e.message).toContain('alias');
      expect(performance.now() - start).toBeLessThan(5_000);
    });

    it('an export larger than the size limit is refused before parsing', async () => {
      await withRepo(async (repo) => {
        const path = exportFile(BASE);
        const e = await rejection(importButlerExport(repo, path, { maxBytes: 100 }));
        expect(e.code).toBe('YAML_LIMIT');
        expect(e.message).toContain(path);
        expect(e.message).toContain('the limit is 100 bytes');
        expect(await repo.registry.collections.has('cam/raw')).toBe(false);
      });
    });
  });

  describe('validated before writing, same rules on both dialects (item 9)', () => {
    it('the small export itself imports (into a fresh repository)', async () => {
      await withRepo(async (repo) => {
        const s = await importButlerExport(repo, exportFile(BASE));
        expect([s.datasets, s.collections, s.datasetTypes, s.filesNotTransferred]).toEqual([2, 2, 1, 2]);
      });
    });

    it('a data ID without a dimension record (detector 999) is refused, naming type, data ID, record and line', async () => {
      const text = withRecord({ detector: 999 });
      const { e, path } = await refused(text);
      expect(e.code).toBe('DATA_ID_RECORD');
      expect(e.message).toContain(`${path}:${lineOf(text, 'detector: 999') - 1}:`); // the data ID's line
      expect(e.message).toContain('dataset type calexp');
      expect(e.message).toContain('records[1]');
      expect(e.message).toContain("{instrument: 'Cam', detector: 999}");
      expect(e.message).toContain('no detector record');
    });

    it('a data ID with a value of the wrong type is refused the same way', async () => {
      const { e } = await refused(withRecord({ detector: 'one' }));
      expect(e.code).toBe('DATA_ID');
      expect(e.message).toContain('dataset type calexp');
      expect(e.message).toContain('records[1]');
    });

    it('an unknown storage class is refused', async () => {
      const text = edit('storage_class: ExposureF', 'storage_class: NoSuchClass');
      const { e, path } = await refused(text);
      expect(e.code).toBe('FORMATTER');
      expect(e.message).toContain(`${path}:${lineOf(text, 'NoSuchClass')}:`);
      expect(e.message).toContain('calexp');
      expect(e.message).toContain("'NoSuchClass'");
    });

    it('NUL characters anywhere are refused, naming the line', async () => {
      for (const [from, to] of [['full_name: D1', 'full_name: "D\\0"'], ['name: cam/raw/x', 'name: "cam/raw/x\\0"'], ['name: calexp', 'name: "calexp\\0"']]) {
        const text = edit(from!, to!);
        const { e, path } = await refused(text);
        expect(e.code, to).toBe('EXPORT_FORMAT');
        expect(e.message, to).toContain(`${path}:${lineOf(text, to!)}:`);
        expect(e.message, to).toContain('NUL');
      }
    });

    it('absolute, empty-segment and dot-segment run names are refused', async () => {
      for (const run of ['/cam/raw', 'cam//raw', 'cam/./raw', 'cam/raw/']) {
        const text = BASE.replaceAll('cam/raw', run).replaceAll(`${run}/x`, 'cam/x');
        const { e } = await refused(text);
        expect(e.code, run).toBe('COLLECTION');
        expect(e.message, run).toContain(`'${run}'`);
      }
    });

    it('text longer than its column is refused on both dialects (PostgreSQL used to fail with raw SQL text)', async () => {
      for (const [from, to, column] of [
        ['full_name: D1', `full_name: ${'x'.repeat(257)}`, 'full_name'],
        ['formatter: lsst.obs.base.formatters.fitsExposure.FitsExposureFormatter\n- type: dataset', `formatter: ${'f'.repeat(129)}\n- type: dataset`, 'formatter'],
      ]) {
        const text = edit(from!, to!);
        const { e, path } = await refused(text);
        expect(e.code, column).toBe('EXPORT_FORMAT');
        expect(e.message, column).toContain(`${path}:${lineOf(text, to!.split('\n')[0]!)}:`);
        expect(e.message, column).toContain(`'${column}' is ${to!.split('\n')[0]!.length - column!.length - 2} characters long`);
      }
    });

    it('a duplicate dataset id within the export is refused, naming both records', async () => {
      const text = withRecord({ id: ID(1), detector: 1 });
      const { e } = await refused(text);
      expect(e.code).toBe('DATASET_CONFLICT');
      expect(e.message).toContain(ID(1));
      expect(e.message).toContain('records[1]');
      expect(e.message).toContain('records[0]');
    });

    it('a dataset id already in the registry is refused', async () => {
      await withRepo(async (repo) => {
        await importButlerExport(repo, exportFile(BASE));
        const text = [
          'description: Butler Data Repository Export', 'version: 1.0.2', 'data:',
          '- type: collection', '  collection_type: RUN', '  name: cam/two',
          '- type: dataset', '  dataset_type: calexp', '  run: cam/two', '  records:',
          `  - dataset_id: [!uuid '${ID(2)}']`, '    data_id: [{instrument: Cam, detector: 1}]', '',
        ].join('\n');
        const e = await rejection(importButlerExport(repo, exportFile(text)));
        expect(e.code).toBe('DATASET_CONFLICT');
        expect(e.message).toContain(`${ID(2)} already exists`);
        expect(await repo.registry.collections.has('cam/two')).toBe(false);
      });
    });

    it('records that are not a list (records: 7), and entries that are not mappings, are EXPORT_FORMAT errors', async () => {
      for (const text of [
        edit("  records:\n  - dataset_id:\n    - !uuid '00000000-0000-4000-8000-000000000002'\n    data_id:\n    - instrument: Cam\n      detector: 1\n    path: cam/raw/x/calexp/calexp_1.fits\n    formatter: lsst.obs.base.formatters.fitsExposure.FitsExposureFormatter\n", '  records: 7\n'),
        edit('  records:\n  - name: Cam\n    detector_max: 2\n', '  records: 7\n'),
        `${BASE}- 7\n`,
      ]) {
        const { e, path } = await refused(text);
        expect(e.code).toBe('EXPORT_FORMAT');
        expect(e.message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: data\\[\\d+\\]`));
      }
    });

    it('a truncated export (cut mid-line or mid-record) fails before writing anything', async () => {
      const fixture = readFileSync(FIXTURE_EXPORT, 'utf8');
      const lines = fixture.split('\n');
      /** The fixture up to the end of the first line at or after `fraction` of it that matches `pattern`. */
      const cutAfter = (fraction: number, pattern: RegExp) => {
        let i = Math.floor(lines.length * fraction);
        while (!pattern.test(lines[i]!)) i++;
        return `${lines.slice(0, i + 1).join('\n')}\n`;
      };
      const cuts = [
        fixture.slice(0, Math.floor(fixture.length * 0.3)), fixture.slice(0, Math.floor(fixture.length * 0.8)),
        fixture.slice(0, fixture.lastIndexOf("'") - 5),
        ...[/^ {2}- dataset_id:$/, /^ {4}- !uuid/, /^ {4}data_id:$/, /^ {4}path: /].map((p) => cutAfter(0.8, p)),
        cutAfter(0.1, /^ {2}- instrument: SynthCam$/),
      ];
      for (const cut of cuts) {
        const { e, path } = await refused(cut);
        expect(['EXPORT_FORMAT', 'DIMENSION_RECORD'], e.message).toContain(e.code);
        expect(e.message).toContain(path);
      }
    });
  });
});

