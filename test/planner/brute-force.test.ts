/**
 * `buildQuantumGraph` against a brute-force reference planner on random small repositories
 * (random-scene.ts): for every scene, the quanta of each drp.yaml task and every quantum's
 * input data IDs and runs must be those the plain-JS oracle enumerates from the raw records
 * (exact polygon overlaps, raws, calibration validity, where filter, pruning flowing
 * downstream), and the graph's pruning record must count what the oracle pruned. An isr
 * quantum with its raw but no valid bias or flat fails the whole build (LSST), naming one of
 * the quanta the oracle finds; the scene is then checked again with those (visit, detector)
 * pairs excluded by the where expression. Also `--dataset-constraint off` / a list: the same
 * quanta, with missing raws pruned instead of filtered out by the data-ID query.
 */
import { describe, expect, it } from 'vitest';
import { buildQuantumGraph, EmptyGraphError, PlanningError, PrerequisiteMissingError, type BuildSpec, type QuantumGraph } from '../../planner/index.js';
import { DIALECTS, makeRepo } from '../support/test-repos.js';
import { dataIdKey, graphQuanta, sortedQuanta } from './planner-helpers.js';
import { COLLECTIONS, excludingPairs, expectedQuanta, insertScene, sceneFrom, type Expected, type PrerequisiteFailure, type Scene } from './random-scene.js';

const SCENES = Number(process.env.QG_BRUTE_SCENES ?? 16);
const OUTPUT_RUN = 'u/test/run';
const TASKS = ['isr', 'calibrate', 'makeWarp', 'assembleCoadd'];

/** Builds, or returns null when the planner says the graph is empty. */
async function buildOrEmpty(build: () => Promise<{ graph: QuantumGraph }>): Promise<QuantumGraph | null> {
  try {
    return (await build()).graph;
  } catch (e) {
    if (e instanceof EmptyGraphError) return null;
    throw e;
  }
}

/** Compares a graph with the oracle: quanta, inputs, and pruned counts per task. */
function compare(g: QuantumGraph | null, want: Expected, scene: Scene): void {
  const total = [...want.quanta.values()].reduce((n, q) => n + q.size, 0);
  const context = `seed ${scene.seed}: ${scene.where}`;
  if (total === 0) {
    expect(g, `${context}: expected an empty graph`).toBeNull();
    return;
  }
  expect(g, `${context}: the planner said empty`).not.toBeNull();
  const ours = graphQuanta(g!, 'type');
  expect(g!.tasks.map((t) => t.label), context).toEqual(TASKS);
  for (const task of TASKS) expect(sortedQuanta(ours.get(task)!), `${context} (${task})`).toEqual(sortedQuanta(want.quanta.get(task)!));
  const pruned = new Map<string, number>();
  for (const p of g!.header.pruned) pruned.set(p.task, (pruned.get(p.task) ?? 0) + p.count);
  expect(Object.fromEntries([...pruned].sort()), `${context} (pruned)`).toEqual(Object.fromEntries([...want.pruned].sort()));
}

const failureKey = (f: PrerequisiteFailure) => `${f.task}.${f.connection} (${f.datasetType}) ${dataIdKey(f.dataId)}`;

/** The build fails on a missing prerequisite, naming one of the failures the oracle found, LSST's way. */
async function expectFailure(build: Promise<unknown>, want: Expected, scene: Scene): Promise<void> {
  const e = await build.then(() => null, (x: unknown) => x);
  expect(e, `seed ${scene.seed}: expected a missing prerequisite`).toBeInstanceOf(PrerequisiteMissingError);
  const err = e as PrerequisiteMissingError;
  expect(err.code).toBe('PREREQUISITE_MISSING');
  expect(want.failures.map(failureKey)).toContain(failureKey(err));
  const id = err.dataId;
  expect(err.message).toBe(`Not enough datasets (0) found for non-optional connection isr.${err.connection} (${err.datasetType}) with minimum=1 ` +
    `for quantum data ID {instrument: '${id['instrument']}', detector: ${id['detector']}, exposure: ${id['exposure']}} ` +
    `(no '${err.datasetType}' certified in the input collections is valid at the observation time)`);
}

/** The scene without the (visit, detector) pairs whose isr quanta lack a calibration. */
function repaired(scene: Scene): Scene {
  const failures = expectedQuanta(scene, OUTPUT_RUN, true).failures;
  return excludingPairs(scene, failures.map((f) => ({ visit: Number(f.dataId['exposure']), detector: Number(f.dataId['detector']) })));
}

describe.each(DIALECTS)('brute-force reference planner on random repositories (%s)', (dialect) => {
  const seeds = Array.from({ length: SCENES }, (_, i) => 1000 + 97 * i + (dialect === 'sqlite' ? 0 : 13));

  it.each(seeds)('seed %i: quanta and inputs match the oracle; a missing calibration fails the build', async (seed) => {
    const scene = sceneFrom(seed);
    const { repo, dispose } = await makeRepo(dialect);
    try {
      await insertScene(repo, scene);
      const spec: BuildSpec = { pipeline: 'drp.yaml', inputs: [COLLECTIONS.defaults], outputRun: OUTPUT_RUN, where: scene.where };
      const failing = expectedQuanta(scene, OUTPUT_RUN, true);
      if (failing.failures.length) await expectFailure(buildQuantumGraph(repo, spec), failing, scene);
      const fixed = repaired(scene);
      const want = expectedQuanta(fixed, OUTPUT_RUN, true);
      expect(want.failures).toEqual([]);
      const where = { ...spec, where: fixed.where };
      compare(await buildOrEmpty(() => buildQuantumGraph(repo, where)), want, fixed);
      // the dataset constraint: raws constrain the data-ID query, or (off / a list without raw) they are pruned instead
      const loose = expectedQuanta(fixed, OUTPUT_RUN, false);
      const variant: BuildSpec['datasetConstraint'] = (['off', ['skyMap']] as const)[seed % 2]!;
      compare(await buildOrEmpty(() => buildQuantumGraph(repo, { ...where, datasetConstraint: variant })), loose, fixed);
      compare(await buildOrEmpty(() => buildQuantumGraph(repo, { ...where, datasetConstraint: ['raw'] })), want, fixed);
    } finally {
      await dispose();
    }
  });

  it('a constraint that is not an overall input is an error', async () => {
    const scene = sceneFrom(seeds[0]!);
    const { repo, dispose } = await makeRepo(dialect);
    try {
      await insertScene(repo, scene);
      const e = await buildQuantumGraph(repo, { pipeline: 'drp.yaml', inputs: [COLLECTIONS.defaults], outputRun: OUTPUT_RUN, where: scene.where, datasetConstraint: ['calexp'] }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(PlanningError);
      expect((e as PlanningError).code).toBe('BUILD_CONSTRAINT');
      expect((e as Error).message).toContain("'calexp'");
    } finally {
      await dispose();
    }
  });
});

describe('the oracle itself', () => {
  it('scenes are varied: some fail on a missing calibration, some have missing raws, some detectors off the tract', () => {
    let failing = 0, missingRaw = 0, offTract = 0, quanta = 0;
    for (let i = 0; i < SCENES; i++) {
      const scene = sceneFrom(1000 + 97 * i);
      if (expectedQuanta(scene, OUTPUT_RUN, true).failures.length) failing++;
      const fixed = repaired(scene);
      const all = expectedQuanta(fixed, OUTPUT_RUN, true);
      const loose = expectedQuanta(fixed, OUTPUT_RUN, false);
      missingRaw += (loose.pruned.get('isr') ?? 0) - (all.pruned.get('isr') ?? 0);
      const touching = new Set(scene.overlaps.map((r) => `${r.visit}/${r.detector}`));
      offTract += scene.visits.reduce((n, v) => n + [...v.detectors.keys()].filter((d) => !touching.has(`${v.id}/${d}`)).length, 0);
      quanta += [...all.quanta.values()].reduce((n, q) => n + q.size, 0);
    }
    expect(failing).toBeGreaterThan(0);
    expect(failing).toBeLessThan(SCENES);
    expect(missingRaw).toBeGreaterThan(0);
    expect(offTract).toBeGreaterThan(0);
    expect(quanta).toBeGreaterThan(20 * SCENES);
  });
});
