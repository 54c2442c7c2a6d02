/**
 * `qg build` options on the simulator's tiny profile (registry only), on each dialect:
 * --skip-existing-in (quanta whose outputs all exist are skipped, their outputs feed the
 * next task from where they are), an output in the way (an error naming the dataset unless
 * --clobber-outputs), --extend-run and output-collection rules, deferConstraint with a
 * custom task type (quanta without the deferred input are dropped, the others kept), and
 * drp-refcat.yaml (every calibrate quantum gets the existing ref_cat shards in the htm7
 * envelope of its detector region, computed here with HtmPixelization(7).envelopeIds; a
 * quantum with none fails the whole build, as in LSST, unless it is pruned first).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HtmPixelization, type ConvexPolygon, type DataId, type Repository } from '../../registry/index.js';
import { TASK_LIBRARY, type TaskDefinition } from '../../pipelines/index.js';
import { simulateRepository, type SimulationSummary } from '../../pipelines/simulate/index.js';
import {
  buildQuantumGraph, EmptyGraphError, PlanningError, PrerequisiteMissingError, graphChecksum, graphFromBytes, graphToBytes, STATE_EXISTING, STATE_PREDICTED, STATE_SKIPPED, type BuildSpec, type QuantumGraph,
} from '../../planner/index.js';
import { DIALECTS, makeRepo, tempDir } from '../support/test-repos.js';
import { dataIdKey, graphQuanta, refKey, sortedQuanta } from './planner-helpers.js';

const WHERE = "instrument='SimCam' AND skymap='simSkyMap'";

/** The rejection of `p`. */
async function rejection(p: Promise<unknown>): Promise<PlanningError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(PlanningError);
    return e as PlanningError;
  }
  throw new Error('expected a PlanningError');
}

/** Data IDs of a task's quanta. */
function quantumIds(g: QuantumGraph, label: string): DataId[] {
  const t = g.tasks.find((x) => x.label === label)!;
  return Array.from({ length: t.quantumCount }, (_, i) => g.quantumDataId(t.quantumOffset + i));
}

/** Global dataset index of `type` with data ID `dataId` in `g`, or -1. */
function datasetIndex(g: QuantumGraph, type: string, dataId: DataId): number {
  const t = g.datasetTypes.find((x) => x.name === type);
  if (!t) return -1;
  for (let d = t.datasetOffset; d < t.datasetOffset + t.datasetCount; d++) if (dataIdKey(g.datasetDataId(d)) === dataIdKey(dataId)) return d;
  return -1;
}

describe.each(DIALECTS)('build options (%s)', (dialect) => {
  let repo: Repository;
  let dispose: () => Promise<void>;
  let summary: SimulationSummary;
  let baseline: QuantumGraph;
  const dir = tempDir('qg-options-');
  let base: BuildSpec;

  beforeAll(async () => {
    ({ repo, dispose } = await makeRepo(dialect));
    summary = await simulateRepository(repo, { profile: 'tiny', pixels: false });
    base = { pipeline: 'drp.yaml', inputs: [summary.collections.defaults], outputRun: 'u/base/run', where: WHERE };
    baseline = (await buildQuantumGraph(repo, base)).graph;
    const registry = repo.registry;
    await registry.transaction(async (tx) => {
      for (const [label, dims] of [['isr', ['instrument', 'exposure', 'detector']], ['calibrate', ['instrument', 'visit', 'detector']]] as const) {
        await registry.datasetTypes.register({ name: `${label}_metadata`, dimensions: dims, storageClass: 'TaskMetadata' }, tx);
        await registry.datasetTypes.register({ name: `${label}_log`, dimensions: dims, storageClass: 'ButlerLogRecords' }, tx);
      }
      await registry.datasetTypes.register({ name: 'postISRCCD', dimensions: ['instrument', 'exposure', 'detector'], storageClass: 'ExposureF' }, tx);
      await registry.datasetTypes.register({ name: 'calexp', dimensions: ['instrument', 'visit', 'detector'], storageClass: 'ExposureF' }, tx);
    });
  }, 120_000);
  afterAll(async () => {
    await dispose?.();
    dir.cleanup();
  });

  /** Registers RUN `run` holding `types` for each of `dataIds`; returns the ids by `type/dataIdKey`. */
  async function putOutputs(run: string, types: readonly string[], dataIds: readonly DataId[]): Promise<Map<string, string>> {
    const registry = repo.registry;
    const ids = new Map<string, string>();
    await registry.transaction(async (tx) => {
      if (!(await registry.collections.has(run, tx))) await registry.collections.register(run, 'RUN', null, tx);
      for (const type of types) {
        for (const ref of await registry.datasets.insert(type, run, dataIds, tx)) ids.set(`${type}/${dataIdKey(ref.dataId)}`, ref.id);
      }
    });
    return ids;
  }

  it('the baseline: the simulator\'s expected quanta, nothing pruned', () => {
    const e = summary.expectedQuanta;
    expect(baseline.tasks.map((t) => t.quantumCount)).toEqual([e.isr, e.calibrate, e.makeWarp, e.assembleCoadd]);
    expect(baseline.header.pruned).toEqual([]);
  });

  it('onPhase is told each phase as it starts, in the order the header times them', async () => {
    const told: string[] = [];
    const { graph } = await buildQuantumGraph(repo, { ...base, outputRun: 'u/phases/run', onPhase: (p) => told.push(p) });
    expect([...new Set(told)]).toEqual(Object.keys(graph.header.phases));
    expect(told.length).toBeGreaterThanOrEqual(Object.keys(graph.header.phases).length);
  });

  it('--skip-existing-in: quanta whose outputs all exist are skipped; partly present outputs are not enough', async () => {
    const isr = quantumIds(baseline, 'isr');
    const full = isr.slice(0, 3), partial = isr.slice(3, 5);
    const ids = await putOutputs('prior/run', ['postISRCCD', 'isr_metadata', 'isr_log'], full);
    await putOutputs('prior/run', ['postISRCCD'], partial);
    await repo.registry.collections.register('prior', 'CHAINED');
    await repo.registry.collections.setChain('prior', ['prior/run']);
    const g = (await buildQuantumGraph(repo, { ...base, outputRun: 'u/skip/run', skipExistingIn: ['prior'] })).graph;
    const kept = new Set(quantumIds(g, 'isr').map(dataIdKey));
    expect([...kept].sort()).toEqual(isr.slice(3).map(dataIdKey).sort());
    for (const id of partial) expect(kept.has(dataIdKey(id))).toBe(true);
    // downstream quanta are all still there; the skipped quanta's outputs feed them from 'prior/run'
    expect(g.tasks.slice(1).map((t) => t.quantumCount)).toEqual(baseline.tasks.slice(1).map((t) => t.quantumCount));
    const calibrate = graphQuanta(g).get('calibrate')!;
    for (const id of full) {
      const d = datasetIndex(g, 'postISRCCD', id);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(g.datasetStates[d]).toBe(STATE_SKIPPED);
      expect(g.runs[g.datasetRuns[d]!]).toBe('prior/run');
      expect(g.datasetId(d)).toBe(ids.get(`postISRCCD/${dataIdKey(id)}`));
      const cal = calibrate.get(dataIdKey({ instrument: id['instrument'], visit: id['exposure'], detector: id['detector'] }))!;
      expect(cal['postISRCCD']).toEqual([refKey(id, 'prior/run')]);
    }
    for (const id of partial) {
      const d = datasetIndex(g, 'postISRCCD', id);
      expect(g.datasetStates[d]).toBe(STATE_PREDICTED);
      expect(g.runs[g.datasetRuns[d]!]).toBe('u/skip/run');
    }
    // skipped states and their runs survive the graph file
    const reread = graphFromBytes(graphToBytes(g));
    expect(graphChecksum(reread)).toBe(graphChecksum(g));
    expect([...reread.datasetStates]).toEqual([...g.datasetStates]);
    expect(reread.runs).toEqual(g.runs);
    // skipping everything a selection would do leaves an empty graph, and says why
    await putOutputs('prior/run', ['isr_metadata', 'isr_log'], partial);
    await putOutputs('prior/run', ['postISRCCD', 'isr_metadata', 'isr_log'], isr.slice(5));
    const e = await rejection(buildQuantumGraph(repo, { ...base, pipeline: 'drp.yaml#isr', outputRun: 'u/skip/run2', skipExistingIn: ['prior'] }));
    expect(e).toBeInstanceOf(EmptyGraphError);
    expect((e as EmptyGraphError).reasons.join('\n')).toMatch(/skipped/);
  });

  it('an output in the way is an error naming the dataset; --clobber-outputs replaces it; skipping needs every output', async () => {
    const run = 'u/way/run';
    const victim = quantumIds(baseline, 'calibrate')[2]!;
    const ids = await putOutputs(run, ['calexp'], [victim]);
    const uuid = ids.get(`calexp/${dataIdKey(victim)}`)!;
    const spec: BuildSpec = { ...base, outputRun: run, extendRun: true };
    const e = await rejection(buildQuantumGraph(repo, spec));
    expect(e.code).toBe('BUILD_OUTPUT_IN_THE_WAY');
    expect(e.message).toContain('calexp');
    expect(e.message).toContain(uuid);
    expect(e.message).toContain(run);
    for (const [k, v] of Object.entries(victim)) expect(e.message).toContain(`"${k}":${JSON.stringify(v)}`);
    // with --clobber-outputs the quantum is planned again, writing a new calexp into the run
    const g = (await buildQuantumGraph(repo, { ...spec, clobberOutputs: true })).graph;
    expect(g.tasks.map((t) => t.quantumCount)).toEqual(baseline.tasks.map((t) => t.quantumCount));
    const d = datasetIndex(g, 'calexp', victim);
    expect(g.datasetStates[d]).toBe(STATE_PREDICTED);
    expect(g.runs[g.datasetRuns[d]!]).toBe(run);
    // skip-existing-in the run itself: calexp alone does not make the quantum skippable, so it is still in the way
    expect((await rejection(buildQuantumGraph(repo, { ...spec, skipExistingIn: [run] }))).code).toBe('BUILD_OUTPUT_IN_THE_WAY');
    // with every output of the quantum there, it is skipped and nothing is in the way
    await putOutputs(run, ['calibrate_metadata', 'calibrate_log'], [victim]);
    const skipped = (await buildQuantumGraph(repo, { ...spec, skipExistingIn: [run] })).graph;
    expect(skipped.tasks.find((t) => t.label === 'calibrate')!.quantumCount).toBe(baseline.tasks.find((t) => t.label === 'calibrate')!.quantumCount - 1);
    expect(quantumIds(skipped, 'calibrate').map(dataIdKey)).not.toContain(dataIdKey(victim));
    const sd = datasetIndex(skipped, 'calexp', victim);
    expect(skipped.datasetStates[sd]).toBe(STATE_SKIPPED);
    expect(skipped.datasetId(sd)).toBe(uuid);
  });

  it('--extend-run and output collection rules', async () => {
    const registry = repo.registry;
    // no output at all
    expect((await rejection(buildQuantumGraph(repo, { ...base, outputRun: undefined } as BuildSpec))).code).toBe('BUILD_OUTPUT');
    // -o CHAIN: a new run CHAIN/<timestamp>, recorded with the chain
    const fresh = (await buildQuantumGraph(repo, { ...base, outputRun: undefined, output: 'u/fresh' } as BuildSpec)).graph;
    expect(fresh.header.outputChain).toBe('u/fresh');
    expect(fresh.header.outputRun).toMatch(/^u\/fresh\/\d{8}T\d{6}Z$/);
    // an existing run needs --extend-run
    await putOutputs('u/ext/run', [], []);
    expect((await rejection(buildQuantumGraph(repo, { ...base, outputRun: 'u/ext/run' }))).code).toBe('BUILD_OUTPUT_EXISTS');
    expect((await buildQuantumGraph(repo, { ...base, outputRun: 'u/ext/run', extendRun: true })).graph.header.outputRun).toBe('u/ext/run');
    // --extend-run of a run that does not exist
    expect((await rejection(buildQuantumGraph(repo, { ...base, outputRun: 'u/none/run', extendRun: true }))).code).toBe('BUILD_OUTPUT');
    // --extend-run with -o: the chain must exist, and its head run is extended
    expect((await rejection(buildQuantumGraph(repo, { ...base, outputRun: undefined, output: 'u/nochain', extendRun: true } as BuildSpec))).code).toBe('BUILD_OUTPUT');
    await registry.collections.register('u/chain/run1', 'RUN');
    await registry.collections.register('u/chain', 'CHAINED');
    await registry.collections.setChain('u/chain', ['u/chain/run1', summary.collections.defaults]);
    const extended = (await buildQuantumGraph(repo, { ...base, outputRun: undefined, output: 'u/chain', extendRun: true } as BuildSpec)).graph;
    expect(extended.header.outputRun).toBe('u/chain/run1');
    expect(extended.header.outputChain).toBe('u/chain');
    // an output "run" that is not a RUN
    const e = await rejection(buildQuantumGraph(repo, { ...base, outputRun: 'u/chain', extendRun: true }));
    expect(e.code).toBe('BUILD_OUTPUT');
    expect(e.message).toContain('not a RUN');
    // no inputs
    expect((await rejection(buildQuantumGraph(repo, { ...base, outputRun: 'u/noinputs/run', inputs: [] }))).code).toBe('BUILD_INPUTS');
  });

  it('deferConstraint: the deferred input does not constrain the data-ID rows; quanta without it are dropped', async () => {
    const dims = ['instrument', 'exposure', 'detector'];
    const plain: TaskDefinition = {
      name: 'TestPlainTask', description: 'raw -> a', dimensions: dims, defaults: {},
      connections: () => [
        { name: 'raw', kind: 'input', datasetType: 'raw', dimensions: dims, storageClass: 'ExposureF' },
        { name: 'out', kind: 'output', datasetType: 'plainOut', dimensions: dims, storageClass: 'ExposureF' },
      ],
    };
    const withExtra = (defer: boolean): TaskDefinition => ({
      name: defer ? 'TestDeferredTask' : 'TestConstrainedTask', description: 'raw + extra -> b', dimensions: dims, defaults: {},
      connections: () => [
        { name: 'raw', kind: 'input', datasetType: 'raw', dimensions: dims, storageClass: 'ExposureF' },
        { name: 'extra', kind: 'input', datasetType: 'extra', dimensions: dims, storageClass: 'ExposureF', ...(defer ? { deferConstraint: true } : {}) },
        { name: 'out', kind: 'output', datasetType: defer ? 'deferredOut' : 'constrainedOut', dimensions: dims, storageClass: 'ExposureF' },
      ],
    });
    const library = new Map<string, TaskDefinition>([...TASK_LIBRARY, ...[plain, withExtra(true), withExtra(false)].map((t) => [t.name, t] as const)]);
    await repo.registry.datasetTypes.register({ name: 'extra', dimensions: dims, storageClass: 'ExposureF' });
    const raws = quantumIds(baseline, 'isr');
    const withExtras = raws.filter((_, i) => i % 3 !== 1);
    await putOutputs('extras', ['extra'], withExtras);
    const inputs = [summary.collections.defaults, 'extras'];
    const write = (name: string, cls: string) => {
      const path = join(dir.path, `${name}.yaml`);
      writeFileSync(path, `tasks:\n  a: TestPlainTask\n  b: ${cls}\n`);
      return path;
    };
    const where = "instrument='SimCam'";
    const deferred = (await buildQuantumGraph(repo, { library, pipeline: write('deferred', 'TestDeferredTask'), inputs, outputRun: 'u/defer/run', where })).graph;
    expect(quantumIds(deferred, 'a').map(dataIdKey).sort()).toEqual(raws.map(dataIdKey).sort());
    expect(quantumIds(deferred, 'b').map(dataIdKey).sort()).toEqual(withExtras.map(dataIdKey).sort());
    expect(deferred.header.pruned.map((p) => [p.task, p.count])).toEqual([['b', raws.length - withExtras.length]]);
    expect(deferred.header.pruned[0]!.reason).toContain('extra');
    const b = graphQuanta(deferred).get('b')!;
    expect(sortedQuanta(b)).toEqual(withExtras.map((id) => [dataIdKey(id), {
      extra: [refKey(id, 'extras')], raw: [refKey(id, summary.collections.raw)],
    }] as const).sort(([x], [y]) => (x < y ? -1 : 1)));
    // not deferred: extra constrains the rows, so it limits every task, with nothing pruned
    const constrained = (await buildQuantumGraph(repo, { library, pipeline: write('constrained', 'TestConstrainedTask'), inputs, outputRun: 'u/constrained/run', where })).graph;
    expect(quantumIds(constrained, 'a').map(dataIdKey).sort()).toEqual(withExtras.map(dataIdKey).sort());
    expect(quantumIds(constrained, 'b').map(dataIdKey).sort()).toEqual(withExtras.map(dataIdKey).sort());
    expect(constrained.header.pruned).toEqual([]);
    // --dataset-constraint off: raw and extra both stop constraining; b's quanta without extra are pruned
    const off = (await buildQuantumGraph(repo, { library, pipeline: write('off', 'TestConstrainedTask'), inputs, outputRun: 'u/off/run', where, datasetConstraint: 'off' })).graph;
    expect(quantumIds(off, 'a').map(dataIdKey).sort()).toEqual(raws.map(dataIdKey).sort());
    expect(quantumIds(off, 'b').map(dataIdKey).sort()).toEqual(withExtras.map(dataIdKey).sort());
  });

  it('calibration validity is half-open; two calibrations valid during one exposure are ambiguous', async () => {
    const registry = repo.registry;
    const target = quantumIds(baseline, 'isr')[5]!;
    const [exposure] = await registry.dimensions.query('exposure', registry.knex, { id: target['exposure'] });
    const span = exposure!.timespan!;
    const YEAR = 365n * 86_400_000_000_000n; // wider than the survey: every exposure of the detector falls in one of the two ranges
    const certifyPair = async (calib: string, boundary: bigint): Promise<[string, string]> => registry.transaction(async (tx) => {
      await registry.collections.register(calib, 'CALIBRATION', null, tx);
      const ids: string[] = [];
      for (const [i, range] of [[span.begin - YEAR, boundary], [boundary, span.end + YEAR]].entries()) {
        const run = `${calib}/r${i}`;
        await registry.collections.register(run, 'RUN', null, tx);
        const [ref] = await registry.datasets.insert('bias', run, [{ instrument: target['instrument']!, detector: target['detector']! }], tx);
        await registry.datasets.certify(calib, [ref!], { begin: range[0]!, end: range[1]! }, tx);
        ids.push(ref!.id);
      }
      return ids as [string, string];
    });
    const inputsWith = (calib: string) => [summary.collections.raw, calib, summary.collections.calib, summary.collections.skymaps];
    // [.., begin) ends exactly where the exposure begins: only the second range is valid
    await certifyPair('half/calib', span.begin);
    const g = (await buildQuantumGraph(repo, { ...base, pipeline: 'drp.yaml#isr', inputs: inputsWith('half/calib'), outputRun: 'u/half/run' })).graph;
    const isr = graphQuanta(g).get('isr')!;
    expect(isr.get(dataIdKey(target))!['bias']).toEqual([refKey({ instrument: target['instrument']!, detector: target['detector']! }, 'half/calib/r1')]);
    // other quanta of the detector whose exposures fall in one range get that one; other detectors fall back to SimCam/calib
    for (const [key, inputs] of isr) {
      const id = Object.fromEntries(JSON.parse(key) as [string, string | number][]);
      if (id['detector'] !== target['detector']) expect(inputs['bias']![0]).toMatch(/@SimCam\/calib\/epoch\d$/);
      else expect(inputs['bias']![0]).toMatch(/@half\/calib\/r[01]$/);
    }
    // a boundary 1 ns inside the exposure: both are valid during it
    await certifyPair('amb/calib', span.begin + 1n);
    const e = await rejection(buildQuantumGraph(repo, { ...base, pipeline: 'drp.yaml#isr', inputs: inputsWith('amb/calib'), outputRun: 'u/amb/run' }));
    expect(e.code).toBe('BUILD_PREREQUISITE_AMBIGUOUS');
    expect(e.message).toContain(`"exposure":${target['exposure']}`);
    expect(e.message).toContain('bias');
  });

  describe('drp-refcat.yaml: ref_cat shards by the htm7 envelope of each detector region', () => {
    const htm = new HtmPixelization(7);
    let regions: Map<string, ConvexPolygon>;
    let shards: number[];

    beforeAll(async () => {
      const registry = repo.registry;
      const records = await registry.dimensions.query('visit_detector_region', registry.knex);
      regions = new Map(records.map((r) => [dataIdKey({ instrument: r['instrument'], visit: r['visit'], detector: r['detector'] }), r.region!]));
      shards = (await registry.datasets.query('ref_cat', [summary.collections.refcats], registry.knex)).map((r) => Number(r.dataId['htm7']));
    });

    /** Expected ref_cat inputs of each calibrate quantum: existing shards in its region's envelope. */
    function expectedShards(existing: ReadonlySet<number>, run: string): Map<string, string[]> {
      const out = new Map<string, string[]>();
      for (const [key, region] of regions) out.set(key, htm.envelopeIds(region).filter((id) => existing.has(id)).map((id) => refKey({ htm7: id }, run)).sort());
      return out;
    }

    it('every calibrate quantum gets exactly the existing shards of its envelope', async () => {
      expect(shards.length).toBeGreaterThan(0);
      const g = (await buildQuantumGraph(repo, { ...base, pipeline: 'drp-refcat.yaml', outputRun: 'u/refcat/run' })).graph;
      expect(g.tasks.map((t) => t.quantumCount)).toEqual(baseline.tasks.map((t) => t.quantumCount));
      const want = expectedShards(new Set(shards), summary.collections.refcats);
      const calibrate = graphQuanta(g).get('calibrate')!;
      expect(calibrate.size).toBe(summary.expectedQuanta.calibrate);
      for (const [key, inputs] of calibrate) {
        expect(want.get(key)!.length, key).toBeGreaterThan(0);
        expect(inputs['ref_cat'], key).toEqual(want.get(key));
      }
      // the connection is named refCat, a prerequisite; shard datasets exist
      const t = g.datasetTypes.find((x) => x.name === 'ref_cat')!;
      expect(g.datasetStates.subarray(t.datasetOffset, t.datasetOffset + t.datasetCount).every((s) => s === STATE_EXISTING)).toBe(true);
      expect(graphQuanta(g, 'connection').get('calibrate')!.values().next().value!['refCat']).toBeDefined();
    });

    it('a calibrate quantum with no shard in its envelope fails the whole build, naming it; one pruned for want of a regular input does not', async () => {
      // in the tiny profile every detector region's envelope is one trixel: leave out every shard of those
      const envelopes = new Set([...regions.values()].flatMap((r) => htm.envelopeIds(r)));
      await putOutputs('refcats-partial', ['ref_cat'], shards.filter((id) => !envelopes.has(id)).map((id) => ({ htm7: id })));
      const inputs = [summary.collections.raw, summary.collections.calib, summary.collections.skymaps, 'refcats-partial'];
      const spec: BuildSpec = { ...base, inputs, pipeline: 'drp-refcat.yaml', outputRun: 'u/partial/run' };
      // LSST: `Not enough datasets (0) found for non-optional connection calibrate.refCat (ref_cat) with minimum=1 for quantum data ID {...}`
      const e = await rejection(buildQuantumGraph(repo, spec));
      expect(e).toBeInstanceOf(PrerequisiteMissingError);
      expect(e.code).toBe('PREREQUISITE_MISSING');
      const missing = e as PrerequisiteMissingError;
      expect([missing.task, missing.connection, missing.datasetType, missing.found, missing.minimum]).toEqual(['calibrate', 'refCat', 'ref_cat', 0, 1]);
      expect(quantumIds(baseline, 'calibrate').map(dataIdKey)).toContain(dataIdKey(missing.dataId));
      expect(e.message).toBe('Not enough datasets (0) found for non-optional connection calibrate.refCat (ref_cat) with minimum=1 for quantum data ID ' +
        `{instrument: 'SimCam', detector: ${missing.dataId['detector']}, visit: ${missing.dataId['visit']}}`);
      // regular inputs come first: without raws (and without their constraint) every isr quantum is pruned, then every calibrate one
      const pruned = await rejection(buildQuantumGraph(repo, { ...spec, inputs: inputs.slice(1), datasetConstraint: 'off' }));
      expect(pruned).toBeInstanceOf(EmptyGraphError);
      expect((pruned as EmptyGraphError).reasons.join('\n')).toMatch(/calibrate quanta pruned: no postISRCCD for input 'exposure'/);
      // the reasons as data, in pipeline order (a gather counts what is available against its minimum)
      expect((pruned as EmptyGraphError).leftOut!.pruned.map((p) => p.reason)).toEqual([
        { kind: 'missingInput', task: 'isr', connection: 'ccdExposure', datasetType: 'raw' },
        { kind: 'missingInput', task: 'calibrate', connection: 'exposure', datasetType: 'postISRCCD' },
        { kind: 'belowMinimum', task: 'makeWarp', connection: 'calExpList', datasetType: 'calexp', available: 0, minimum: 1 },
        { kind: 'belowMinimum', task: 'assembleCoadd', connection: 'inputWarps', datasetType: 'deepCoadd_directWarp', available: 0, minimum: 1 },
      ]);
    });
  });
});
