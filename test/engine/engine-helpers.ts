/**
 * Helpers for the engine tests: a repository holding the arithmetic fixture's inputs (one
 * instrument, N detectors, `numbers` = 10 d + 1 per detector), graph building with the
 * fixture's task library and a pipeline written with config overrides, and a consistency
 * check of a run's registry content against its files.
 */
import { cpSync, readdirSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { sha256, type Repository } from '../../registry/index.js';
import { buildQuantumGraph, type QuantumGraph } from '../../planner/index.js';
import { WorkerPool } from '../../engine/index.js';
import { ARITH_TASK_MODULE, NUMBERS, TASK_LIBRARY, numberOf } from './fixtures/arith-tasks.js';

/** Instrument name of the fixture. */
export const INSTRUMENT = 'Arith';
/** Input RUN collection of the fixture. */
export const INPUT_RUN = 'Arith/inputs';
/** The fixture pipelines. */
export const ARITH_PIPELINE = new URL('./fixtures/arith.yaml', import.meta.url).pathname;
export const NOOP_PIPELINE = new URL('./fixtures/noop.yaml', import.meta.url).pathname;

/** Fills `repo` with the instrument, `detectors` detectors and their `numbers` datasets (with files). */
export async function fillArithRepo(repo: Repository, detectors: number): Promise<void> {
  const registry = repo.registry;
  await registry.transaction(async (tx) => {
    await registry.dimensions.insert('instrument', [{ name: INSTRUMENT, detector_max: detectors }], tx);
    await registry.dimensions.insert('detector', Array.from({ length: detectors }, (_, d) => ({ instrument: INSTRUMENT, id: d, full_name: `D${d}` })), tx);
    await registry.datasetTypes.register({ ...NUMBERS }, tx);
    await registry.collections.register(INPUT_RUN, 'RUN', null, tx);
  });
  await repo.putMany(Array.from({ length: detectors }, (_, d) => ({ value: { value: numberOf(d) }, dataId: { instrument: INSTRUMENT, detector: d } })), NUMBERS.name, INPUT_RUN);
}

/**
 * Writes a copy of `pipeline` into `dir` with per-task config overrides
 * (`{ square: { failOn: [2] } }`) and returns its path.
 */
export function pipelineWith(dir: string, pipeline: string, overrides: Record<string, Record<string, unknown>>, name = 'pipeline.yaml'): string {
  const doc = parseYaml(readFileSync(pipeline, 'utf8')) as { tasks: Record<string, { class: string; config?: Record<string, unknown> }> };
  for (const [label, config] of Object.entries(overrides)) doc.tasks[label]!.config = { ...(doc.tasks[label]!.config ?? {}), ...config };
  const path = join(dir, name);
  writeFileSync(path, stringifyYaml(doc));
  return path;
}

/**
 * Copies the user-task fixture (fixtures/user-tasks/: its YAML, scripts and module) into
 * `dir` and returns the copied pipeline's path; the copy names the module where it is, as
 * the module imports apache-arrow, which resolves only inside qg's tree.
 */
export function copyUserTasks(dir: string): string {
  const fixture = fileURLToPath(new URL('./fixtures/user-tasks/', import.meta.url));
  cpSync(fixture, dir, { recursive: true });
  const yaml = join(dir, 'user-tasks.yaml');
  writeFileSync(yaml, readFileSync(yaml, 'utf8').replace('./square.ts', JSON.stringify(join(fixture, 'square.ts'))));
  return yaml;
}

/** A worker pool writing into `repo` with the fixture's task library. */
export function startArithPool(repo: Repository, options: { size?: number; memoryMb?: number } = {}): Promise<WorkerPool> {
  return WorkerPool.start({ size: options.size ?? 2, root: repo.root, template: repo.datastore.template, taskModules: [ARITH_TASK_MODULE], ...options });
}

/** Builds a graph of `pipeline` over the fixture's inputs with the fixture's task library. */
export async function buildArith(repo: Repository, pipeline: string, output: string, extra: { outputRun?: string; where?: string } = {}): Promise<QuantumGraph> {
  const { graph } = await buildQuantumGraph(repo, {
    pipeline, inputs: [INPUT_RUN], output, library: TASK_LIBRARY, where: extra.where ?? `instrument = '${INSTRUMENT}'`,
    ...(extra.outputRun ? { outputRun: extra.outputRun } : {}),
  });
  return graph;
}

/** Expected `combined` of detector d and `total` over `detectors` (by hand, not by the tasks). */
export function expectedCombined(d: number): number {
  const n = numberOf(d);
  return n * n + 3 * n;
}
export function expectedTotal(detectors: readonly number[]): number {
  return detectors.reduce((s, d) => s + expectedCombined(d), 0);
}

/** A dataset of a run as the registry has it. */
export interface RegisteredDataset {
  readonly id: string;
  readonly datasetType: string;
  readonly dataId: Record<string, string | number>;
  readonly path: string | null;
  readonly checksum: string | null;
  readonly size: number | null;
}

/** Every dataset of RUN `run` with its data ID and file record (raw SQL: independent of the engine). */
export async function registeredDatasets(repo: Repository, run: string): Promise<RegisteredDataset[]> {
  const registry = repo.registry;
  registry.collections.invalidate();
  registry.datasetTypes.invalidate();
  if (!(await registry.collections.has(run))) return [];
  const collection = await registry.collections.get(run);
  const out: RegisteredDataset[] = [];
  for (const type of await registry.datasetTypes.all()) {
    const dims = type.dimensions.required;
    const rows = await registry.db.selectArrays(registry.knex, registry.db.placeholders(
      `SELECT d.id, r.path, r.checksum, r.file_size${dims.map((x) => `, t."${x}"`).join('')} FROM dataset d ` +
      `JOIN "${type.tagTable}" t ON t.dataset_id = d.id AND t.collection_id = d.run_id ` +
      `LEFT JOIN datastore_record r ON r.dataset_id = d.id WHERE d.run_id = ? AND d.dataset_type_id = ?`), [collection.id, type.id]);
    for (const [id, path, checksum, size, ...values] of rows) {
      out.push({
        id: String(id), datasetType: type.name, dataId: Object.fromEntries(dims.map((x, i) => [x, values[i] as string | number])),
        path: path === null ? null : String(path), checksum: checksum === null ? null : String(checksum), size: size === null ? null : Number(size),
      });
    }
  }
  return out;
}

/** Files under `dir` (relative to `root`), recursively. */
export function filesUnder(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const name of entries) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(root, full));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * The registry and the files of `run` agree: every dataset has a file record, its file exists
 * with the recorded size and SHA-256, no (type, data ID) is registered twice, and (unless
 * `allowOrphans`: right after a kill, before the next run cleans up) no file under the run's
 * folder lacks a record (the run's own `_`-prefixed files aside). Returns the datasets and
 * the orphan files.
 */
export async function expectConsistentRun(repo: Repository, run: string, options: { allowOrphans?: boolean } = {}): Promise<RegisteredDataset[] & { orphans?: string[] }> {
  const datasets = await registeredDatasets(repo, run);
  const keys = new Set<string>();
  for (const d of datasets) {
    const key = `${d.datasetType} ${JSON.stringify(d.dataId)}`;
    expect(keys.has(key), `${key} registered twice`).toBe(false);
    keys.add(key);
    expect(d.path, `${key} has no file record`).not.toBeNull();
    const bytes = readFileSync(join(repo.root, d.path!));
    expect(bytes.length, `${d.path} size`).toBe(d.size);
    expect(sha256(bytes), `${d.path} checksum`).toBe(d.checksum);
  }
  const recorded = new Set(datasets.map((d) => d.path!));
  const files = filesUnder(repo.root, join(repo.root, run)).filter((f) => !relative(run, f).startsWith('_'));
  const orphans = files.filter((f) => !recorded.has(f));
  if (!options.allowOrphans) expect(orphans, 'files without a registry record').toEqual([]);
  return Object.assign(datasets, { orphans });
}
