/**
 * Setting a run up and finding where an earlier attempt left it. The output RUN and its
 * CHAINED collection `<output>` = [run, inputs...] are registered, with the pipeline's
 * dataset types. Then the registry is read once per output dataset type: a quantum is
 * complete when every output the graph predicts for it (its metadata included) is
 * registered under the graph's UUID. Outputs of incomplete quanta that are registered
 * (a failed quantum's log, outputs of an older graph in the way, a quantum registered
 * without its metadata) are deleted, then their files; files nobody registered (a quantum
 * written but not registered when the run was killed, temporary files) are swept from the
 * run's output folders. Deleting the registrations before the files keeps the invariant
 * that a registered dataset has its file, whenever the process dies.
 *
 * What may be deleted is narrow on purpose: a registered output in the way must carry this
 * graph's id (another graph's outputs make the run refuse, unless clobbering was asked for);
 * a file goes only if it lies under this run's folder, is not one of qg's own (`_` names), and
 * no dataset of any run still names it.
 *
 * A job of a cluster run (a subset of the quanta, see `RunOptions.subset`) cleans only what
 * its own quanta left: other jobs write into the same folders at the same time, so it
 * removes only its quanta's predicted paths and their temporary files, never whole folders.
 */
import { readdirSync, rmSync } from 'node:fs';
import { STATE_PREDICTED, type QuantumGraph } from '../../planner/index.js';
import { type Repository, type StoredFile } from '../../registry/index.js';
import { fileRecordsOf, isRunDatasetFile, pathsStillNamed, runDatasets, runFilePaths } from '../../registry/maintenance/index.js';
import { EngineError } from '../errors.js';
import type { GraphJobs } from './graph-jobs.js';

/** What the coordinator starts from. */
export interface RunState {
  /** Per quantum: 1 when complete before this invocation. */
  readonly complete: Uint8Array;
  /** Per graph dataset: its file record when it exists and is registered (inputs, outputs of complete quanta). */
  readonly files: (StoredFile | null)[];
  /** Stale registered datasets deleted and unregistered files removed. */
  readonly cleaned: { readonly datasets: number; readonly files: number };
}

/** Registers the output run, the chain and the output dataset types (idempotent, also when concurrent). */
export async function registerRunCollections(repo: Repository, graph: QuantumGraph): Promise<void> {
  const registry = repo.registry;
  const { outputRun, outputChain, inputs } = graph.header;
  await registry.transaction(async (tx) => {
    await registry.collections.register(outputRun, 'RUN', null, tx);
    if (outputChain) {
      if (await registry.collections.has(outputChain, tx)) {
        const children = await registry.collections.getChain(outputChain, tx);
        const replaced = graph.header.replacedRun; // --replace-run: the old head leaves the chain (the RUN stays)
        if (children[0] !== outputRun || (replaced !== undefined && children.includes(replaced))) {
          await registry.collections.setChain(outputChain, [outputRun, ...children.filter((c) => c !== outputRun && c !== replaced)], tx);
        }
      } else {
        await registry.collections.register(outputChain, 'CHAINED', null, tx);
        await registry.collections.setChain(outputChain, [outputRun, ...inputs.filter((c) => c !== outputRun)], tx);
      }
    }
    for (const type of outputTypes(graph)) {
      await registry.datasetTypes.register({ name: type.name, dimensions: type.dimensions, storageClass: type.storageClass, isCalibration: type.isCalibration }, tx);
    }
  }, { retryConflicts: true }); // jobs of one run on several nodes may register it at once
}

/** Dataset types with datasets the run will produce. */
function outputTypes(graph: QuantumGraph): QuantumGraph['datasetTypes'][number][] {
  return graph.datasetTypes.filter((t) => {
    for (let d = t.datasetOffset; d < t.datasetOffset + t.datasetCount; d++) if (graph.datasetStates[d] === STATE_PREDICTED) return true;
    return false;
  });
}

/** Data-ID key of graph dataset `d` (values in the type's dimension order). */
function keyOf(graph: QuantumGraph, d: number): string {
  return JSON.stringify(Object.values(graph.datasetDataId(d)));
}

interface Registered {
  readonly id: string;
  readonly file: StoredFile | null;
}

/**
 * Registered datasets of the run per predicted graph dataset (matched by type and data ID).
 * With `only` (graph dataset indices), only those datasets are looked up, by their own ids: a
 * cluster job reads what its quanta touch, not the whole run (another graph's datasets in the
 * way are not seen then: `checkRunOutputs` looked for them when the run was submitted).
 */
async function registeredOutputs(repo: Repository, graph: QuantumGraph, runId: number, only: readonly number[] | null = null): Promise<(Registered | undefined)[]> {
  const registry = repo.registry;
  const out: (Registered | undefined)[] = new Array(graph.datasetCount);
  const idsByType = new Map<number, string[]>();
  for (const d of only ?? []) {
    const ids = idsByType.get(graph.typeOf(d)) ?? [];
    ids.push(graph.datasetId(d));
    idsByType.set(graph.typeOf(d), ids);
  }
  for (const type of outputTypes(graph)) {
    const ids = idsByType.get(graph.datasetTypes.indexOf(type)) ?? [];
    if (only && !ids.length) continue;
    const datasets = await runDatasets(registry, await registry.datasetTypes.get(type.name), runId, only ? ids : null);
    const byKey = new Map(datasets.map((r) => [JSON.stringify(r.dataId), { id: r.id, file: r.file }]));
    for (let d = type.datasetOffset; d < type.datasetOffset + type.datasetCount; d++) {
      if (graph.datasetStates[d] !== STATE_PREDICTED) continue;
      out[d] = byKey.get(keyOf(graph, d));
    }
  }
  return out;
}

/** Whether every output the graph predicts for quantum `q` (its metadata included) is registered under the graph's id. */
function quantumDone(jobs: GraphJobs, registered: readonly (Registered | undefined)[], q: number): boolean {
  return jobs.outputs(q).every((o) => registered[o.dataset]?.id === jobs.graph.datasetId(o.dataset));
}

/**
 * Which quanta are complete (1 each), read from the registry without changing anything
 * (`qg status`). Other processes write the run (cluster jobs): cached collections and dataset
 * types are read again first.
 */
export async function completedQuanta(repo: Repository, jobs: GraphJobs): Promise<Uint8Array> {
  const graph = jobs.graph;
  const complete = new Uint8Array(graph.quantumCount);
  const registry = repo.registry;
  registry.collections.invalidate();
  registry.datasetTypes.invalidate();
  if (!(await registry.collections.has(graph.header.outputRun))) return complete;
  const registered = await registeredOutputs(repo, graph, (await registry.collections.get(graph.header.outputRun)).id);
  for (let q = 0; q < graph.quantumCount; q++) if (quantumDone(jobs, registered, q)) complete[q] = 1;
  return complete;
}

/** Deletes datasets by id (their tags and file records go with them), one transaction. */
export async function deleteDatasets(repo: Repository, ids: readonly string[]): Promise<void> {
  if (!ids.length) return;
  await repo.registry.transaction((tx) => repo.registry.datasets.remove(ids, tx));
}

/**
 * Refuses (RUN_OUTPUTS_CONFLICT, unless clobbering) a run that holds another graph's outputs
 * where this graph writes, reading the whole run once: `qg submit` does it for its jobs, which
 * read only their own datasets.
 */
export async function checkRunOutputs(repo: Repository, jobs: GraphJobs, clobber = false): Promise<void> {
  const graph = jobs.graph;
  if (!(await repo.registry.collections.has(graph.header.outputRun))) return;
  const registered = await registeredOutputs(repo, graph, (await repo.registry.collections.get(graph.header.outputRun)).id);
  const foreign: { dataset: number; id: string }[] = [];
  for (let quantum = 0; quantum < graph.quantumCount; quantum++) {
    for (const o of jobs.outputs(quantum)) {
      const r = registered[o.dataset];
      if (r && r.id !== graph.datasetId(o.dataset)) foreign.push({ dataset: o.dataset, id: r.id });
    }
  }
  checkForeignOutputs(graph, foreign, clobber);
}

/** Graph datasets the quanta marked in `selected` read or write. */
function datasetsOf(jobs: GraphJobs, selected: Uint8Array): number[] {
  const out = new Set<number>();
  selected.forEach((s, q) => {
    if (!s) return;
    for (const o of jobs.outputs(q)) out.add(o.dataset);
    for (const d of jobs.inputs(q)) if (jobs.graph.datasetStates[d] === STATE_PREDICTED) out.add(d);
  });
  return [...out];
}

/** Refuses to clean another graph's outputs out of the run unless asked to clobber them. */
function checkForeignOutputs(graph: QuantumGraph, foreign: readonly { dataset: number; id: string }[], clobber: boolean): void {
  if (!foreign.length || clobber || graph.header.clobberOutputs) return;
  const { dataset, id } = foreign[0]!;
  const type = graph.datasetTypes[graph.typeOf(dataset)]!.name;
  throw new EngineError(
    `output run '${graph.header.outputRun}' holds ${foreign.length} output(s) of another graph where this graph (build ${graph.header.buildId}) writes, ` +
    `e.g. ${type} {${Object.entries(graph.datasetDataId(dataset)).map(([k, v]) => `${k}: ${v}`).join(', ')}} (dataset ${id}); ` +
    'nothing was deleted. Build into a new output run (-o makes one), build with --extend-run to add to this one, or pass --clobber-outputs to replace them',
    'RUN_OUTPUTS_CONFLICT');
}

/**
 * Reads the run's state, cleans what earlier attempts left, and returns where to start.
 * `runFolder` is the run's folder relative to the root: whole output folders inside it are
 * swept; elsewhere only the paths the graph predicts (and their temporary files). With
 * `selected` (1 per quantum of a job's subset) only those quanta are read, cleaned and swept;
 * `complete` covers only them.
 */
export async function prepareRunState(repo: Repository, jobs: GraphJobs, runFolder: string, clobber = false, selected: Uint8Array | null = null): Promise<RunState> {
  const graph = jobs.graph;
  const run = await repo.registry.collections.get(graph.header.outputRun);
  // A job reads its own quanta's datasets only (unless clobbering: then it must see others' in the way).
  const own = selected && !clobber && !graph.header.clobberOutputs ? datasetsOf(jobs, selected) : null;
  const registered = await registeredOutputs(repo, graph, run.id, own);
  const { complete, stale, foreign, pending } = sortQuanta(jobs, registered, selected);
  checkForeignOutputs(graph, foreign, clobber);
  // Stale registrations first, then their files: a registered dataset always has its file.
  const removedStale = await removeStale(repo, stale, graph.header.outputRun);
  const removedUnregistered = await sweepUnregistered(repo, jobs, run.id, runFolder, pending, selected);
  const files = await inputFiles(repo, jobs, registered, complete, selected);
  return { complete, files, cleaned: { datasets: stale.length, files: removedStale + removedUnregistered } };
}

/** What the registry says of the (selected) quanta. */
interface QuantaState {
  /** Per quantum: 1 when complete. */
  readonly complete: Uint8Array;
  /** Registered outputs of incomplete quanta. */
  readonly stale: Registered[];
  /** Those of them registered under another graph's id. */
  readonly foreign: { dataset: number; id: string }[];
  /** Predicted datasets of incomplete quanta, and (for a whole run) unregistered config datasets. */
  readonly pending: number[];
}

/** Sorts the quanta (only `selected` ones: another job's are not ours to clean, nor read) into complete ones and the outputs of the others. */
function sortQuanta(jobs: GraphJobs, registered: readonly (Registered | undefined)[], selected: Uint8Array | null): QuantaState {
  const graph = jobs.graph;
  const complete = new Uint8Array(graph.quantumCount);
  const stale: Registered[] = [];
  const foreign: { dataset: number; id: string }[] = [];
  const pending: number[] = [];
  for (let quantum = 0; quantum < graph.quantumCount; quantum++) {
    if (selected && !selected[quantum]) continue;
    if (quantumDone(jobs, registered, quantum)) {
      complete[quantum] = 1;
      continue;
    }
    for (const o of jobs.outputs(quantum)) {
      pending.push(o.dataset);
      const r = registered[o.dataset];
      if (!r) continue;
      stale.push(r);
      if (r.id !== graph.datasetId(o.dataset)) foreign.push({ dataset: o.dataset, id: r.id });
    }
  }
  // Config datasets (init-outputs: no quantum edges) are written at run start; their folders are swept too.
  const configs = graph.tasks.map((t) => graph.datasetTypes.find((x) => x.name === `${t.label}_config`)).filter((t) => t !== undefined);
  if (!selected) for (const t of configs) for (let d = t.datasetOffset; d < t.datasetOffset + t.datasetCount; d++) if (!registered[d]) pending.push(d);
  return { complete, stale, foreign, pending };
}

/** Deletes the stale registrations, then their files (only those of this run's folder nobody else names); returns the files removed. */
async function removeStale(repo: Repository, stale: readonly Registered[], outputRun: string): Promise<number> {
  await deleteDatasets(repo, stale.map((r) => r.id));
  const staleFiles = stale.flatMap((r) => (r.file && isRunDatasetFile(r.file.path, outputRun) === 'ok' ? [r.file.path] : []));
  const stillNamed = await pathsStillNamed(repo.registry, staleFiles);
  let removed = 0;
  for (const path of staleFiles) {
    if (stillNamed.has(path)) continue;
    rmSync(repo.datastore.pathOf({ path }), { force: true });
    removed++;
  }
  return removed;
}

/**
 * Removes files nobody registered from the folders of the `pending` datasets: within the run
 * folder every file but qg's own (`_` names), elsewhere (and always for a job) only the
 * predicted paths and their temporary files; never a file a dataset of any run names.
 * Returns the files removed.
 */
async function sweepUnregistered(repo: Repository, jobs: GraphJobs, runId: number, runFolder: string, pending: readonly number[], selected: Uint8Array | null): Promise<number> {
  const registry = repo.registry;
  const known = selected ? new Set<string>() : await runFilePaths(registry, runId); // a job asks pathsStillNamed below instead
  const predicted = new Set(pending.map((d) => jobs.predictedPath(d)));
  const inside = (p: string) => !selected && (p === runFolder || p.startsWith(`${runFolder}/`));
  const unregistered: string[] = [];
  for (const [folder, predictedNames] of namesByFolder(predicted)) {
    let names: string[];
    try {
      names = readdirSync(repo.datastore.pathOf({ path: folder }));
    } catch {
      continue; // not there: nothing to sweep
    }
    for (const name of names) {
      const path = `${folder}/${name}`;
      if (known.has(path)) continue;
      const ours = inside(folder) ? !name.startsWith('_') : predicted.has(path) || isTempFileOf(name, predictedNames);
      if (ours) unregistered.push(path);
    }
  }
  const named = await pathsStillNamed(registry, unregistered); // files of other runs are never swept
  let removed = 0;
  for (const path of unregistered) {
    if (named.has(path)) continue;
    try {
      rmSync(repo.datastore.pathOf({ path }), { force: true });
      removed++;
    } catch { /* a folder, or gone */ }
  }
  return removed;
}

/**
 * File records of what the incomplete (selected) quanta read: outputs of this run registered
 * under the graph's id (from `registered`), existing inputs looked up by id.
 */
async function inputFiles(repo: Repository, jobs: GraphJobs, registered: readonly (Registered | undefined)[], complete: Uint8Array, selected: Uint8Array | null): Promise<(StoredFile | null)[]> {
  const graph = jobs.graph;
  const files: (StoredFile | null)[] = new Array(graph.datasetCount).fill(null);
  const wanted = new Set<number>();
  for (let quantum = 0; quantum < graph.quantumCount; quantum++) if (!complete[quantum] && (!selected || selected[quantum])) for (const d of jobs.inputs(quantum)) wanted.add(d);
  const fromRun: number[] = [];
  const lookup: number[] = [];
  for (const d of wanted) {
    if (graph.datasetStates[d] === STATE_PREDICTED) fromRun.push(d);
    else lookup.push(d);
  }
  for (const d of fromRun) files[d] = registered[d]?.id === graph.datasetId(d) ? registered[d]!.file : null;
  const found = await fileRecordsOf(repo.registry, lookup.map((d) => graph.datasetId(d)));
  for (const d of lookup) files[d] = found.get(graph.datasetId(d)) ?? null;
  return files;
}

/**
 * Repository-relative paths grouped by folder: folder -> file names. Split at the last `/`
 * (templates render `/`-separated paths; a path without one is in `.`).
 */
export function namesByFolder(paths: Iterable<string>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const p of paths) {
    const slash = p.lastIndexOf('/');
    const folder = slash < 0 ? '.' : p.slice(0, slash);
    let names = out.get(folder);
    if (!names) out.set(folder, (names = new Set()));
    names.add(p.slice(slash + 1));
  }
  return out;
}

/** Whether file `entry` is a temporary file (`<name>.tmp-...`, as the writers name them) of one of `names`. */
export function isTempFileOf(entry: string, names: ReadonlySet<string>): boolean {
  for (let i = entry.indexOf('.tmp-'); i > 0; i = entry.indexOf('.tmp-', i + 1)) if (names.has(entry.slice(0, i))) return true;
  return false;
}

/**
 * Writes and registers each task's config (`<label>_config`) unless the run has it. A config
 * already registered under another id must be equal to this graph's (a run holds one config
 * per task); otherwise RUN_CONFIG_CHANGED.
 */
export async function writeConfigs(repo: Repository, jobs: GraphJobs): Promise<number> {
  const graph = jobs.graph;
  const registry = repo.registry;
  const run = graph.header.outputRun;
  const written: StoredFile[] = [];
  const refs: { type: string; id: string }[] = [];
  try {
    for (const task of graph.tasks) {
      const type = graph.datasetTypes.find((t) => t.name === `${task.label}_config`);
      if (!type || type.datasetCount === 0) continue;
      const d = type.datasetOffset;
      const ref = jobs.ref(d);
      const existing = await registry.datasets.query(type.name, [run], registry.knex);
      if (existing.length) {
        const file = await repo.fileOf(existing[0]!);
        const stored = file ? repo.datastore.read(existing[0]!, file) : undefined;
        if (canonical(stored) !== canonical(task.config)) {
          throw new EngineError(`task '${task.label}' has a config different from the one run '${run}' holds (${type.name}, dataset ${existing[0]!.id}); write to a new output run`, 'RUN_CONFIG_CHANGED');
        }
        continue;
      }
      written.push(repo.datastore.write(ref, type.storageClass, task.config));
      refs.push({ type: type.name, id: ref.id });
    }
    if (!written.length) return 0;
    await registry.transaction(async (tx) => {
      for (const r of refs) await registry.datasets.insert(r.type, run, [{}], tx, [r.id]);
      await repo.insertFileRecords(written, tx);
    });
    return written.length;
  } catch (e) {
    for (const f of written) repo.datastore.remove(f);
    throw e;
  }
}

/** JSON text with sorted keys (equal configs, equal text). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));
}
