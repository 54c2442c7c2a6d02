/**
 * Planning semantics of pipelines declared in YAML with inline tasks (issue 10, item 2), on
 * the simulator's small profile (registry only), on each dialect, against quanta and inputs
 * enumerated here by brute force in plain JS over the dimension records and datasets: rows
 * are the (visit, detector, patch) triples whose regions overlap (ConvexPolygon.overlaps, no
 * index), that the where filter keeps and whose exposure has a raw.
 *  - gathers at three levels collect only what is in the graph: a visit-level task gets the
 *    calexps of the detectors that survived the where, a detector-level task the visits, a
 *    tract-level task the patches (LSST: the rows constrain every task);
 *  - the same input deferred (`deferGraphConstraint`) or not: deferred, it leaves every task's
 *    rows alone and the quanta without it are dropped with their downstream; not deferred, it
 *    constrains every task through the query; with `minimum: 0` it is optional and constrains
 *    nothing (LSST's later pipe_base; w.2023.51 refused minimum 0 on a regular input);
 *  - a prerequisite below its minimum fails the build naming task.connection (type), the
 *    minimum and the quantum's data ID; `qg explain` reports the same, `qg build` saves nothing.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HtmPixelization, type ConvexPolygon, type DataId, type Repository } from '../../registry/index.js';
import { SHIPPED_PIPELINES } from '../../pipelines/index.js';
import { simulateRepository, type SimulationSummary } from '../../pipelines/simulate/index.js';
import { buildQuantumGraph, diagnoseBuild, PrerequisiteMissingError, type BuildSpec, type QuantumGraph } from '../../planner/index.js';
import { main } from '../../engine/cli/main.js';
import { DIALECTS, makeRepo, tempDir } from '../support/test-repos.js';
import { dataIdKey, graphQuanta, refKey, sortedQuanta, type QuantumInputs } from './planner-helpers.js';

const I = 'SimCam';
const SKYMAP = 'simSkyMap';
const RUN = 'u/open/run';
const DRP = join(SHIPPED_PIPELINES, 'drp.yaml');

/** A data-ID row of the brute-force planner. */
interface Row {
  readonly visit: number;
  readonly detector: number;
  readonly patch: number;
  readonly tract: number;
  readonly band: string;
}

/** The simulated repository as plain records. */
interface World {
  readonly band: ReadonlyMap<number, string>;
  readonly detectorRegions: readonly { visit: number; detector: number; region: ConvexPolygon }[];
  readonly patches: readonly { id: number; tract: number; region: ConvexPolygon }[];
  /** `exposure/detector` keys with a raw. */
  readonly raws: ReadonlySet<string>;
  /** htm7 ids of the ref_cat shards. */
  readonly shards: ReadonlySet<number>;
}

async function readWorld(repo: Repository, summary: SimulationSummary): Promise<World> {
  const { dimensions, datasets, knex } = repo.registry;
  const filters = new Map((await dimensions.query('physical_filter', knex)).map((f) => [f['name'], String(f['band'])]));
  const visits = await dimensions.query('visit', knex);
  const vdr = await dimensions.query('visit_detector_region', knex);
  const patches = await dimensions.query('patch', knex);
  const raws = await datasets.query('raw', [summary.collections.raw], knex);
  const shards = await datasets.query('ref_cat', [summary.collections.refcats], knex);
  return {
    band: new Map(visits.map((v) => [Number(v['id']), filters.get(v['physical_filter'])!])),
    detectorRegions: vdr.map((r) => ({ visit: Number(r['visit']), detector: Number(r['detector']), region: r.region! })),
    patches: patches.map((p) => ({ id: Number(p['id']), tract: Number(p['tract']), region: p.region! })),
    raws: new Set(raws.map((r) => `${r.dataId['exposure']}/${r.dataId['detector']}`)),
    shards: new Set(shards.map((r) => Number(r.dataId['htm7']))),
  };
}

/** Every overlapping (visit, detector, patch) with a raw that `keep` accepts. */
function rowsOf(w: World, keep: (r: Row) => boolean): Row[] {
  const out: Row[] = [];
  for (const d of w.detectorRegions) {
    if (!w.raws.has(`${d.visit}/${d.detector}`)) continue;
    for (const p of w.patches) {
      const row = { visit: d.visit, detector: d.detector, patch: p.id, tract: p.tract, band: w.band.get(d.visit)! };
      if (keep(row) && d.region.overlaps(p.region)) out.push(row);
    }
  }
  return out;
}

/** The quanta of a gathering task: one per distinct `quantum(row)`, gathering the distinct `input(row)` datasets of `type` (in the output run). */
function gathered(rows: readonly Row[], quantum: (r: Row) => DataId, type: string, input: (r: Row) => DataId): QuantumInputs {
  const sets = new Map<string, Set<string>>();
  for (const r of rows) {
    const key = dataIdKey(quantum(r));
    sets.set(key, (sets.get(key) ?? new Set()).add(refKey(input(r), RUN)));
  }
  return new Map([...sets].map(([key, refs]) => [key, { [type]: [...refs].sort() }]));
}

const calexpOf = (r: { readonly visit: number; readonly detector: number }): DataId => ({ instrument: I, visit: r.visit, detector: r.detector });

/** Quanta of `label` in `g` by data-ID key (inputs by dataset type). */
function quantaOf(g: QuantumGraph, label: string): QuantumInputs {
  return graphQuanta(g, 'type').get(label) ?? new Map();
}

/** Writes a pipeline file. */
function pipelineFile(dir: string, name: string, yaml: string): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, yaml);
  return path;
}

const GATHERS = `description: gathers at three levels after drp
imports:
  - location: ${DRP}
tasks:
  consolidateVisitSummary:
    class: ConsolidateVisitSummaryTask
    dimensions: [instrument, visit]
    inputs:
      calexp: {datasetType: calexp, dimensions: [instrument, visit, detector], storageClass: ExposureF, multiple: true}
    outputs:
      visitSummary: {datasetType: visitSummary, dimensions: [instrument, visit], storageClass: ExposureCatalog}
  detectorStack:
    class: DetectorStackTask
    dimensions: [instrument, detector]
    inputs:
      calexps: {datasetType: calexp, dimensions: [instrument, visit, detector], storageClass: ExposureF, multiple: true}
    outputs:
      stack: {datasetType: detectorStack, dimensions: [instrument, detector], storageClass: ExposureF}
  tractSummary:
    class: TractSummaryTask
    dimensions: [skymap, tract, band]
    inputs:
      coadds: {datasetType: deepCoadd, dimensions: [skymap, tract, patch, band], storageClass: ExposureF, multiple: true}
    outputs:
      summary: {datasetType: tractSummary, dimensions: [skymap, tract, band], storageClass: StructuredDataDict}
`;

/** processCcd, then measureQuality (calexp + qualityFlags, deferred or not) and reportQuality downstream of it. */
const quality = (defer: boolean) => `imports:
  - location: ${DRP}
    include: [processCcd]
tasks:
  measureQuality:
    class: MeasureQualityTask
    dimensions: [instrument, visit, detector]
    inputs:
      calexp: {datasetType: calexp, dimensions: [instrument, visit, detector], storageClass: ExposureF}
      flags: {datasetType: qualityFlags, dimensions: [instrument, visit], storageClass: StructuredDataDict, deferGraphConstraint: ${defer}}
    outputs:
      quality: {datasetType: qualityMap, dimensions: [instrument, visit, detector], storageClass: StructuredDataDict}
  reportQuality:
    class: ReportQualityTask
    dimensions: [instrument, visit, detector]
    inputs:
      quality: {datasetType: qualityMap, dimensions: [instrument, visit, detector], storageClass: StructuredDataDict}
    outputs:
      report: {datasetType: qualityReport, dimensions: [instrument, visit, detector], storageClass: StructuredDataDict}
`;

/** processCcd, then photometry with the htm7-sharded ref_cat as a prerequisite of the given minimum. */
const photometry = (minimum: number) => `imports:
  - location: ${DRP}
    include: [processCcd]
tasks:
  photometry:
    class: PhotometryTask
    dimensions: [instrument, visit, detector]
    inputs:
      calexp: {datasetType: calexp, dimensions: [instrument, visit, detector], storageClass: ExposureF}
    prerequisiteInputs:
      refCat: {datasetType: ref_cat, dimensions: [htm7], storageClass: ArrowTable, multiple: true, minimum: ${minimum}}
    outputs:
      photometry: {datasetType: photometryCatalog, dimensions: [instrument, visit, detector], storageClass: ArrowTable}
`;

describe.each(DIALECTS)('open pipelines: planning semantics (%s)', (dialect) => {
  let repo: Repository;
  let root: string;
  let dispose: () => Promise<void>;
  let summary: SimulationSummary;
  let world: World;
  const dir = tempDir('qg-open-');
  const spec = (pipeline: string, where: string, over: Partial<BuildSpec> = {}): BuildSpec => ({
    pipeline, inputs: [summary.collections.defaults], outputRun: RUN, where: `instrument = '${I}' AND ${where}`, ...over,
  });

  beforeAll(async () => {
    ({ repo, root, dispose } = await makeRepo(dialect));
    summary = await simulateRepository(repo, { profile: 'small', pixels: false });
    world = await readWorld(repo, summary);
  }, 120_000);
  afterAll(async () => {
    await dispose?.();
    dir.cleanup();
  });

  describe('gathers collect only what is in the graph', () => {
    const CASES = [
      { name: "band 'r', patches 5..15, detector 4 left out", narrow: true, where: `skymap = '${SKYMAP}' AND band = 'r' AND patch IN (5..15) AND detector != 4`, keep: (r: Row) => r.band === 'r' && r.patch >= 5 && r.patch <= 15 && r.detector !== 4 },
      { name: 'everything', narrow: false, where: `skymap = '${SKYMAP}'`, keep: () => true },
    ];
    const statements: number[] = [];

    it.each(CASES)('$name: visit-level over calexps, detector-level over visits, tract-level over patches', async ({ where, keep, narrow }) => {
      const result = await buildQuantumGraph(repo, spec(pipelineFile(dir.path, 'gathers', GATHERS), where));
      statements.push(result.statements);
      const g = result.graph;
      const rows = rowsOf(world, keep);
      expect(g.tasks.map((t) => t.label).sort()).toEqual(['assembleCoadd', 'calibrate', 'consolidateVisitSummary', 'detectorStack', 'isr', 'makeWarp', 'tractSummary']);
      expect(g.header.pruned).toEqual([]);
      const visits = gathered(rows, (r) => ({ instrument: I, visit: r.visit }), 'calexp', calexpOf);
      const detectors = gathered(rows, (r) => ({ instrument: I, detector: r.detector }), 'calexp', calexpOf);
      const tracts = gathered(rows, (r) => ({ skymap: SKYMAP, tract: r.tract, band: r.band }), 'deepCoadd', (r) => ({ skymap: SKYMAP, tract: r.tract, patch: r.patch, band: r.band }));
      expect(sortedQuanta(quantaOf(g, 'consolidateVisitSummary'))).toEqual(sortedQuanta(visits));
      expect(sortedQuanta(quantaOf(g, 'detectorStack'))).toEqual(sortedQuanta(detectors));
      expect(sortedQuanta(quantaOf(g, 'tractSummary'))).toEqual(sortedQuanta(tracts));
      // the where constrains the gathers: not the whole focal plane, not every visit, not every patch
      if (narrow) {
        const sizes = (q: QuantumInputs, type: string) => [...q.values()].map((inputs) => inputs[type]!.length);
        expect(Math.min(...sizes(visits, 'calexp'))).toBeLessThan(summary.counts.detectors - 1);
        expect(Math.min(...sizes(detectors, 'calexp'))).toBeLessThan(new Set(rows.map((r) => r.visit)).size);
        expect(Math.max(...sizes(tracts, 'deepCoadd'))).toBeLessThanOrEqual(11);
      }
    });

    it('the statements do not depend on the where expression (nor on the quanta)', () => {
      expect(statements).toHaveLength(2);
      expect(statements[0]).toBe(statements[1]);
    });
  });

  describe('the same input deferred or not', () => {
    const WHERE = 'detector IN (0..3)';
    let flagged: Set<number>;

    beforeAll(async () => {
      const registry = repo.registry;
      const visits = [...world.band.keys()].sort((a, b) => a - b);
      flagged = new Set(visits.filter((_, i) => i % 3 !== 1));
      await registry.transaction(async (tx) => {
        await registry.datasetTypes.register({ name: 'qualityFlags', dimensions: ['instrument', 'visit'], storageClass: 'StructuredDataDict' }, tx);
        await registry.collections.register('flags', 'RUN', null, tx);
        await registry.datasets.insert('qualityFlags', 'flags', [...flagged].map((visit) => ({ instrument: I, visit })), tx);
      });
    });

    /** (visit, detector) pairs of the processCcd rows (no patch in these pipelines: every visit x detector with a raw). */
    const pairs = (onlyFlagged: boolean) => world.detectorRegions
      .filter((d) => d.detector <= 3 && world.raws.has(`${d.visit}/${d.detector}`) && (!onlyFlagged || flagged.has(d.visit)));
    const build = (defer: boolean) => buildQuantumGraph(repo, spec(pipelineFile(dir.path, `quality-${defer}`, quality(defer)), WHERE, { inputs: [summary.collections.defaults, 'flags'] }));
    const expectQuanta = (g: QuantumGraph, label: string, want: readonly DataId[]) =>
      expect([...quantaOf(g, label).keys()].sort(), label).toEqual(want.map(dataIdKey).sort());

    it('deferred: every processCcd quantum; measureQuality without the flags is dropped, and reportQuality downstream of it', async () => {
      const g = (await build(true)).graph;
      const all = pairs(false), kept = pairs(true);
      expect(kept.length).toBeLessThan(all.length);
      expectQuanta(g, 'isr', all.map((d) => ({ instrument: I, exposure: d.visit, detector: d.detector })));
      expectQuanta(g, 'calibrate', all.map(calexpOf));
      expect(sortedQuanta(quantaOf(g, 'measureQuality'))).toEqual(sortedQuanta(new Map(kept.map((d) => [dataIdKey(calexpOf(d)), {
        calexp: [refKey(calexpOf(d), RUN)], qualityFlags: [refKey({ instrument: I, visit: d.visit }, 'flags')],
      }]))));
      expectQuanta(g, 'reportQuality', kept.map(calexpOf));
      expect(g.header.pruned.map((p) => [p.task, p.count])).toEqual([['measureQuality', all.length - kept.length], ['reportQuality', all.length - kept.length]]);
      expect(g.header.pruned[0]!.reason).toBe("no qualityFlags for input 'flags'");
    });

    it('not deferred: the flags constrain every task through the data-ID query, nothing is pruned', async () => {
      const g = (await build(false)).graph;
      const kept = pairs(true);
      expectQuanta(g, 'isr', kept.map((d) => ({ instrument: I, exposure: d.visit, detector: d.detector })));
      for (const label of ['calibrate', 'measureQuality', 'reportQuality']) expectQuanta(g, label, kept.map(calexpOf));
      expect(g.header.pruned).toEqual([]);
    });

    it.each([true, false])('minimum 0 (deferGraphConstraint %s): optional, it constrains nothing; every quantum kept, with the flags where they exist', async (defer) => {
      const optional = quality(defer).replace(`deferGraphConstraint: ${defer}}`, `deferGraphConstraint: ${defer}, minimum: 0}`);
      const g = (await buildQuantumGraph(repo, spec(pipelineFile(dir.path, `quality-optional-${defer}`, optional), WHERE, { inputs: [summary.collections.defaults, 'flags'] }))).graph;
      expect(g.header.pruned).toEqual([]);
      expectQuanta(g, 'calibrate', pairs(false).map(calexpOf));
      expect(sortedQuanta(quantaOf(g, 'measureQuality'))).toEqual(sortedQuanta(new Map(pairs(false).map((d) => [dataIdKey(calexpOf(d)), {
        calexp: [refKey(calexpOf(d), RUN)],
        ...(flagged.has(d.visit) ? { qualityFlags: [refKey({ instrument: I, visit: d.visit }, 'flags')] } : {}),
      }]))));
    });
  });

  describe('a prerequisite below its minimum fails the build', () => {
    const WHERE = "detector IN (0..2) AND band = 'g'";
    const htm = new HtmPixelization(7);
    /** calibrate data-ID key -> existing shards in its detector region's htm7 envelope. */
    let shardCounts: Map<string, number>;

    beforeAll(() => {
      shardCounts = new Map(world.detectorRegions
        .filter((d) => d.detector <= 2 && world.band.get(d.visit) === 'g' && world.raws.has(`${d.visit}/${d.detector}`))
        .map((d) => [dataIdKey(calexpOf(d)), htm.envelopeIds(d.region).filter((id) => world.shards.has(id)).length]));
      expect(shardCounts.size).toBeGreaterThan(0);
    });

    /** Checks the error: names, counts, LSST's message, and a data ID the brute force agrees is short. */
    const expectMissing = (e: unknown, found: (key: string) => number, minimum: number) => {
      expect(e).toBeInstanceOf(PrerequisiteMissingError);
      const m = e as PrerequisiteMissingError;
      expect([m.code, m.task, m.connection, m.datasetType, m.minimum]).toEqual(['PREREQUISITE_MISSING', 'photometry', 'refCat', 'ref_cat', minimum]);
      const key = dataIdKey(m.dataId);
      expect(shardCounts.has(key)).toBe(true);
      expect(m.found).toBe(found(key));
      expect(m.found).toBeLessThan(minimum);
      expect(m.message).toBe(`Not enough datasets (${m.found}) found for non-optional connection photometry.refCat (ref_cat) with minimum=${minimum} ` +
        `for quantum data ID {instrument: '${I}', detector: ${m.dataId['detector']}, visit: ${m.dataId['visit']}}`);
      return m;
    };

    it('no ref_cat in the inputs (minimum 1): the build fails naming the quantum; qg explain reports it; qg build saves nothing', async () => {
      const inputs = [summary.collections.raw, summary.collections.calib, summary.collections.skymaps];
      const s = spec(pipelineFile(dir.path, 'photometry-1', photometry(1)), WHERE, { inputs });
      const e = await buildQuantumGraph(repo, s).catch((x: unknown) => x);
      const m = expectMissing(e, () => 0, 1);
      const d = await diagnoseBuild(repo, s, root);
      expect([d.empty, d.error, d.causes[0]]).toEqual([true, 'PREREQUISITE_MISSING', m.message]);
      const args = ['-b', root, '-p', s.pipeline, '-i', inputs.join(','), '--output-run', RUN, '--where', s.where!];
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      const err = vi.spyOn(console, 'error').mockImplementation(() => {});
      try {
        expect(await main(['explain', ...args])).toBe(1);
        expect(log.mock.calls.map((c) => c.join(' ')).join('\n')).toContain(`the build fails (PREREQUISITE_MISSING). Causes:\n  1. ${m.message}`);
        const graph = join(dir.path, 'photometry.qg');
        expect(await main(['build', ...args, '--save', graph])).toBe(1);
        expect(err.mock.calls.map((c) => c.join(' '))).toContain(`qg: error: ${m.message}`);
        expect(existsSync(graph)).toBe(false);
      } finally {
        log.mockRestore();
        err.mockRestore();
      }
    });

    it('minimum above the fewest shards a quantum has: the build fails naming one with fewer', async () => {
      const minimum = Math.min(...shardCounts.values()) + 1;
      const e = await buildQuantumGraph(repo, spec(pipelineFile(dir.path, 'photometry-n', photometry(minimum)), WHERE)).catch((x: unknown) => x);
      expectMissing(e, (key) => shardCounts.get(key)!, minimum);
    });

    it('minimum 0: optional; every quantum is planned, with the shards that exist', async () => {
      const g = (await buildQuantumGraph(repo, spec(pipelineFile(dir.path, 'photometry-0', photometry(0)), WHERE, {
        inputs: [summary.collections.raw, summary.collections.calib, summary.collections.skymaps],
      }))).graph;
      expect(sortedQuanta(quantaOf(g, 'photometry'))).toEqual(sortedQuanta(new Map([...shardCounts.keys()].map((key) => [key, {
        calexp: [refKey(Object.fromEntries(JSON.parse(key) as [string, number][]), RUN)],
      }]))));
    });
  });
});
