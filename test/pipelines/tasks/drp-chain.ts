/**
 * Runs the drp chain's task `run` functions by hand over a simulated repository - what the
 * engine will do, without it: isr for every raw (bias and flat found by validity time),
 * calibrate with the reference-catalog shards, makeWarp for every (visit, patch) a calexp
 * reaches, assembleCoadd for every (patch, band). Inputs are read through the datastore
 * (`repo.get`), so the tasks see exactly what the engine will pass them.
 */
import type { Table } from 'apache-arrow';
import type { DatasetRef, Exposure, Repository } from '../../../registry/index.js';
import { TASK_LIBRARY, type TaskConfig, type TaskDataId, type TaskDefinition, type TaskRunOutput } from '../../../pipelines/index.js';
import { SIM_COLLECTIONS, SIM_INSTRUMENT, SIM_SKYMAP } from '../../../pipelines/simulate/index.js';

/** Products and timings of a chain run. */
export interface ChainRun {
  readonly raws: Map<string, Exposure>;
  readonly postIsr: Map<string, Exposure>;
  readonly calexps: Map<string, Exposure>;
  /** Key `visit/patch`. */
  readonly warps: Map<string, Exposure>;
  /** Key `patch/band`. */
  readonly coadds: Map<string, Exposure>;
  readonly metadata: Map<string, Record<string, unknown>>;
  /** Task label -> seconds of each quantum's `run` (inputs already in memory). */
  readonly seconds: Record<string, number[]>;
  readonly visitBand: Map<number, string>;
  readonly skyMap: unknown;
  readonly truth: Table;
}

/** Options: calibrate's config (e.g. a perturbed header WCS is tested separately) and which patches to coadd. */
export interface ChainOptions {
  readonly calibrateConfig?: TaskConfig;
  /** Transform each raw before isr (e.g. perturb its WCS). */
  readonly editRaw?: (raw: Exposure, key: string) => Exposure;
}

function task(name: string): TaskDefinition {
  const t = TASK_LIBRARY.get(name);
  if (!t?.run) throw new Error(`task ${name} has no run`);
  return t;
}

async function runTask(t: TaskDefinition, label: string, seconds: Record<string, number[]>, dataId: TaskDataId, config: TaskConfig, inputs: Record<string, unknown>): Promise<TaskRunOutput> {
  const start = performance.now();
  const out = await t.run!({ dataId, config: { ...t.defaults, ...config }, inputs, inputDataIds: {}, log: () => {} });
  (seconds[label] ??= []).push((performance.now() - start) / 1000);
  return out;
}

/** Runs isr, calibrate (with the reference catalog), makeWarp and assembleCoadd over a simulated repository. */
export async function runChain(repo: Repository, options: ChainOptions = {}): Promise<ChainRun> {
  const knex = repo.registry.knex;
  const seconds: Record<string, number[]> = {};
  const metadata = new Map<string, Record<string, unknown>>();
  const exposures = new Map((await repo.registry.dimensions.query('exposure', knex)).map((e) => [Number(e['id']), e]));
  const visitBand = new Map([...exposures].map(([id, e]) => [id, String(e['physical_filter']).split('-').pop()!]));
  const [skyMapRef] = await repo.registry.datasets.query('skyMap', [SIM_COLLECTIONS.skymaps], knex);
  const skyMap = await repo.get(skyMapRef!);
  const [truthRef] = await repo.registry.datasets.query('truth_cat', [SIM_COLLECTIONS.truth], knex);
  const truth = (await repo.get(truthRef!)) as Table;
  const refCat = await Promise.all((await repo.registry.datasets.query('ref_cat', [SIM_COLLECTIONS.refcats], knex)).map((r) => repo.get(r)));
  const rawRefs: DatasetRef[] = await repo.registry.datasets.query('raw', [SIM_COLLECTIONS.raw], knex);

  const isr = task('IsrTask'), calibrate = task('CalibrateTask'), makeWarp = task('MakeWarpTask'), assemble = task('AssembleCoaddTask');
  const raws = new Map<string, Exposure>(), postIsr = new Map<string, Exposure>(), calexps = new Map<string, Exposure>();
  const calexpsByVisit = new Map<number, Exposure[]>();
  for (const ref of rawRefs) {
    const visit = Number(ref.dataId['exposure']), detector = Number(ref.dataId['detector']);
    const key = `${visit}/${detector}`;
    const e = exposures.get(visit)!;
    const time = e.timespan!.begin;
    const [biasRef] = await repo.registry.datasets.findFirst('bias', [SIM_COLLECTIONS.defaults], [{ instrument: SIM_INSTRUMENT, detector }], knex, time);
    const [flatRef] = await repo.registry.datasets.findFirst('flat', [SIM_COLLECTIONS.defaults], [{ instrument: SIM_INSTRUMENT, detector, physical_filter: e['physical_filter'] as string }], knex, time);
    let raw = (await repo.get(ref)) as Exposure;
    if (options.editRaw) raw = options.editRaw(raw, key);
    raws.set(key, raw);
    const isrOut = await runTask(isr, 'isr', seconds, { instrument: SIM_INSTRUMENT, exposure: visit, detector }, {}, {
      ccdExposure: raw, bias: await repo.get(biasRef!), flat: await repo.get(flatRef!),
    });
    metadata.set(`isr/${key}`, isrOut.metadata as Record<string, unknown>);
    const post = isrOut.outputs['outputExposure'] as Exposure;
    postIsr.set(key, post);
    const calOut = await runTask(calibrate, 'calibrate', seconds, { instrument: SIM_INSTRUMENT, visit, detector }, { useReferenceCatalog: true, ...options.calibrateConfig }, {
      exposure: post, refCat,
    });
    metadata.set(`calibrate/${key}`, calOut.metadata as Record<string, unknown>);
    const calexp = calOut.outputs['outputExposure'] as Exposure;
    calexps.set(key, calexp);
    if (!calexpsByVisit.has(visit)) calexpsByVisit.set(visit, []);
    calexpsByVisit.get(visit)!.push(calexp);
  }

  const patches = ((skyMap as { tracts: { patches: { id: number }[] }[] }).tracts[0]!.patches).map((p) => p.id);
  const warps = new Map<string, Exposure>();
  for (const [visit, list] of calexpsByVisit) {
    for (const patch of patches) {
      const out = await runTask(makeWarp, 'makeWarp', seconds, { skymap: SIM_SKYMAP, tract: 0, patch, instrument: SIM_INSTRUMENT, visit }, {}, { calExpList: list, skyMap });
      const md = out.metadata as { coveredFraction: number };
      if (md.coveredFraction === 0) {
        // No quantum would exist for this pair; do not count its time.
        seconds['makeWarp']!.pop();
        continue;
      }
      metadata.set(`makeWarp/${visit}/${patch}`, out.metadata as Record<string, unknown>);
      warps.set(`${visit}/${patch}`, out.outputs['direct'] as Exposure);
    }
  }
  const coadds = new Map<string, Exposure>();
  const bands = [...new Set(visitBand.values())];
  for (const patch of patches) {
    for (const band of bands) {
      const inputs = [...warps].filter(([k]) => Number(k.split('/')[1]) === patch && visitBand.get(Number(k.split('/')[0])) === band).map(([, w]) => w);
      if (inputs.length === 0) continue;
      const out = await runTask(assemble, 'assembleCoadd', seconds, { skymap: SIM_SKYMAP, tract: 0, patch, band }, {}, { inputWarps: inputs, skyMap });
      metadata.set(`assembleCoadd/${patch}/${band}`, out.metadata as Record<string, unknown>);
      coadds.set(`${patch}/${band}`, out.outputs['coaddExposure'] as Exposure);
    }
  }
  return { raws, postIsr, calexps, warps, coadds, metadata, seconds, visitBand, skyMap, truth };
}
