/**
 * Why is the graph empty? Ranked causes, cheapest first:
 *  1. collection summaries (no SQL over datasets): an input type never put in the searched
 *     collections, a governor value (instrument, skymap) they hold nothing for; then a string
 *     value the where compares a dimension with that no record holds (one statement per dimension);
 *  2. a dimension the pipeline needs with no records at all;
 *  3. follow-up queries (LIMIT 1) that drop one constraint at a time — a where term, a
 *     dataset-existence constraint, the spatial join — naming the one that empties the result;
 *  4. when the query has rows but every quantum is pruned: the pruning reasons, a cause before
 *     its consequences (why a pipeline input is missing, then the quanta pruned for it, then
 *     the quanta downstream of those); when the build fails on a prerequisite below its
 *     minimum: the validity ranges of a missing calibration next to the observation times,
 *     then that error.
 * Each cause comes with a command that reproduces it.
 */
import {
  absentValueText, absentValues, certifiedRanges, comparedStringValues, conjuncts, DataIdQuery, EmptyQueryError, formatWhere, governorConstraints, hasNoRecords, parseWhere, regionElementFor,
  taiToIso, TIME_MAX, TIME_MIN, type BindValue, type CollectionSummary, type Registry, type Repository, type WhereNode,
} from '../../registry/index.js';
import { EmptyGraphError, PrerequisiteMissingError } from '../errors.js';
import { leftOutCauses, type PrunedQuanta, type QuantaLeftOut } from '../graph/prune-reasons.js';
import { buildQuantumGraph, loadRunnablePipeline, type BuildSpec } from '../plan/quantum-graph-builder.js';
import { constrainingInputs, queryDimensions } from '../plan/query-plan.js';
import type { PipelineGraph } from '../../pipelines/index.js';

/** The outcome of a diagnosis. */
export interface Diagnosis {
  /** No graph comes out: it would be empty, or (with `error`) the build fails. */
  readonly empty: boolean;
  /** The code of the planning error that fails the build (PREREQUISITE_MISSING), when it fails rather than coming out empty. */
  readonly error?: string;
  /** Quanta per task when the graph is not empty. */
  readonly quanta?: Readonly<Record<string, number>>;
  /** Causes, most likely first. */
  readonly causes: readonly string[];
  /** A command that shows the problem. */
  readonly reproduce: string;
}

/** Diagnoses the build `spec` would make, without saving anything. */
export async function diagnoseBuild(repo: Repository, spec: BuildSpec, repoArg = '<repo>'): Promise<Diagnosis> {
  const registry = repo.registry;
  const pipelineGraph = await loadRunnablePipeline(registry, spec);
  const union = queryDimensions(pipelineGraph, registry.universe);
  const query: DataIdProbe = {
    dimensions: union.required, where: spec.where ?? '', binds: spec.bind ?? new Map(), collections: spec.inputs,
    datasets: constrainingInputs(pipelineGraph, spec.datasetConstraint ?? 'all'),
  };
  const reproduce = reproduceCommand(query, repoArg);

  // 1. Summaries, then 2. dimensions without records.
  const summary = await registry.summaries.get(spec.inputs);
  const typeCauses = await missingInputTypeCauses(registry, summary, query);
  const ast = parseWhere(query.where);
  const causes = [...typeCauses, ...await absentWhereValueCauses(registry, summary, ast, query), ...await recordlessDimensionCauses(registry, union.required)];
  if (causes.length) return { empty: true, causes, reproduce };

  // 3. The data-ID query, then one constraint dropped at a time.
  if (await firstDataId(registry, query) === null) {
    return { empty: true, causes: [rescueCause(await rescuingConstraints(registry, query, ast, union.names), query)], reproduce };
  }

  // 4. Rows exist: the build prunes everything (or works).
  return buildDiagnosis(repo, spec, pipelineGraph, reproduce, repoArg);
}

/** The data-ID query the build runs (LIMIT 1 when probed). */
interface DataIdProbe {
  readonly dimensions: readonly string[];
  readonly where: string;
  readonly binds: ReadonlyMap<string, BindValue>;
  readonly collections: readonly string[];
  /** The constraining inputs: dataset types that must exist for a data ID. */
  readonly datasets: readonly string[];
}

/** The `qg query data-ids` command that runs the build's data-ID query. */
function reproduceCommand(query: DataIdProbe, repoArg: string): string {
  return [
    `qg query data-ids -b ${repoArg} --dimensions ${query.dimensions.join(',')}`,
    query.where ? `--where ${JSON.stringify(query.where)}` : '',
    ...[...query.binds].map(([name, value]) => `--bind ${JSON.stringify(`${name}=${bindText(value)}`)}`),
    query.datasets.length ? `--datasets ${query.datasets.join(',')} --collections ${query.collections.join(',')}` : '',
  ].filter(Boolean).join(' ');
}

/** Constraining input types that are not registered, or that the input collections' summary lacks. */
async function missingInputTypeCauses(registry: Registry, summary: CollectionSummary, query: DataIdProbe): Promise<string[]> {
  const causes: string[] = [];
  for (const t of query.datasets) {
    if (!(await registry.datasetTypes.has(t))) causes.push(`dataset type '${t}' (an input of the pipeline) is not registered in this repository`);
    else if (!summary.datasetTypes.has(t)) {
      causes.push(`no dataset of type '${t}' in the input collections ${query.collections.join(', ')} (their summaries hold: ${[...summary.datasetTypes].sort().join(', ') || 'nothing'})`);
    }
  }
  return causes;
}

/**
 * Values the where compares with that nothing holds: governor values the input collections
 * have no datasets for (from their summary), then string values no dimension record holds
 * (band = 'R').
 */
async function absentWhereValueCauses(registry: Registry, summary: CollectionSummary, ast: WhereNode | null, query: DataIdProbe): Promise<string[]> {
  const { universe } = registry;
  const causes: string[] = [];
  for (const [governor, { values }] of governorConstraints(ast, universe, query.binds, query.where)) {
    const present = summary.governors.get(governor);
    if (present && values.every((v) => !present.has(v))) {
      causes.push(`the input collections hold no datasets for ${governor} ${values.map((v) => `'${v}'`).join(', ')} (they have: ${[...present].map(String).join(', ') || 'none'})`);
    }
  }
  for (const a of await absentValues(registry, comparedStringValues(ast, universe, query.binds, query.where))) causes.push(absentValueText(a));
  return causes;
}

/** Dimensions the pipeline's data IDs need whose tables hold no records. */
async function recordlessDimensionCauses(registry: Registry, dimensions: readonly string[]): Promise<string[]> {
  const causes: string[] = [];
  for (const d of dimensions) {
    const e = registry.universe.element(d);
    if (!e.hasTable) continue;
    if (await hasNoRecords(registry, e)) causes.push(`dimension '${d}' has no records at all, and the pipeline's data IDs need it`);
  }
  return causes;
}

/** What a probe changes in the build's data-ID query. */
interface ProbeChange {
  readonly where?: string;
  readonly datasets?: readonly string[];
  readonly spatialJoins?: boolean;
}

/** The first row of the data-ID query with `change` applied: null when it has none, 'error' when the query fails. */
async function firstDataId(registry: Registry, query: DataIdProbe, change: ProbeChange = {}): Promise<unknown[] | null | 'error'> {
  try {
    return await registry.transaction(async (tx) => {
      const prepared = await DataIdQuery.prepare(registry, tx, {
        dimensions: [...query.dimensions], full: false, limit: 1, bind: query.binds, collections: query.collections,
        where: change.where ?? query.where, datasets: change.datasets ?? query.datasets, spatialJoins: change.spatialJoins ?? true,
      });
      try {
        return (await prepared.rows())[0] ?? null;
      } finally {
        await prepared.dispose();
      }
    });
  } catch (e) {
    if (e instanceof EmptyQueryError) return null;
    return 'error';
  }
}

/** A constraint whose removal alone gives the empty query rows. */
interface Rescuer {
  /** The constraint as the one cause. */
  readonly alone: string;
  /** The constraint as one of several that exclude each other. */
  readonly together: string;
  /** A row of the query without it. */
  readonly row: unknown[];
}

/** Drops each where term, each dataset constraint and the spatial join (when regions of several families meet) in turn, keeping those whose removal gives rows. */
async function rescuingConstraints(registry: Registry, query: DataIdProbe, ast: WhereNode | null, dimensionNames: readonly string[]): Promise<Rescuer[]> {
  const rescuers: Rescuer[] = [];
  const terms = conjuncts(ast);
  for (let i = 0; i < terms.length; i++) {
    const rest = terms.filter((_, j) => j !== i).map((c) => `(${formatWhere(c)})`).join(' AND ');
    const row = await firstDataId(registry, query, { where: rest });
    const term = `\`${formatWhere(terms[i]!)}\``;
    if (row && row !== 'error') rescuers.push({ alone: `the where term ${term} removes every row`, together: `the where term ${term}`, row });
  }
  for (const t of query.datasets) {
    const row = await firstDataId(registry, query, { datasets: query.datasets.filter((c) => c !== t) });
    if (row && row !== 'error') rescuers.push({ alone: `no '${t}' dataset in ${query.collections.join(', ')} matches the selected data IDs`, together: `requiring '${t}' datasets`, row });
  }
  const { universe } = registry;
  const present = new Set(dimensionNames);
  const regions = universe.spatialFamilies
    .map((f) => regionElementFor(f, present, universe)).filter((e) => e !== null).map((e) => e!.name);
  if (regions.length > 1) {
    const row = await firstDataId(registry, query, { spatialJoins: false });
    if (row && row !== 'error') rescuers.push({ alone: `no ${regions.join(' region overlaps any ')} region among the selected data IDs (the spatial join empties the query)`, together: `the spatial overlap of ${regions.join(' and ')}`, row });
  }
  return rescuers;
}

/** The cause of an empty data-ID query: the one constraint that empties it, those that exclude each other, or none alone. */
function rescueCause(rescuers: readonly Rescuer[], query: DataIdProbe): string {
  const example = (row: unknown[]) => JSON.stringify(Object.fromEntries(query.dimensions.map((d, i) => [d, row[i]])));
  if (rescuers.length === 1) return `${rescuers[0]!.alone} (without it the query returns data IDs, e.g. ${example(rescuers[0]!.row)})`;
  if (rescuers.length > 1) {
    return `${rescuers.map((r) => r.together).join(', ')} exclude each other: each holds for some data IDs, never all together (dropping any one of them gives rows, e.g. ${example(rescuers[0]!.row)})`;
  }
  return `the data-ID query over {${query.dimensions.join(', ')}} returns no rows, and no single constraint is responsible: only dropping several where terms, dataset constraints or the spatial join together gives rows`;
}

/** Runs the build: its quanta per task when it works, else why every quantum was pruned or which prerequisite is missing. */
async function buildDiagnosis(repo: Repository, spec: BuildSpec, pipelineGraph: PipelineGraph, reproduce: string, repoArg: string): Promise<Diagnosis> {
  try {
    const result = await buildQuantumGraph(repo, spec);
    return { empty: false, quanta: Object.fromEntries(result.graph.tasks.map((t) => [t.label, t.quantumCount])), causes: [], reproduce };
  } catch (e) {
    if (e instanceof PrerequisiteMissingError) return prerequisiteDiagnosis(repo, spec, e, repoArg);
    if (!(e instanceof EmptyGraphError)) throw e;
    const causes = e.leftOut ? await prunedCauses(repo, spec, pipelineGraph, e.leftOut) : e.reasons;
    return { empty: true, causes, reproduce: `${reproduce}   # rows exist; then: qg build ... (the quanta are pruned)` };
  }
}

/**
 * The causes of a build whose quanta were all pruned or skipped, a cause before what follows
 * from it: why a pipeline input is missing (a calibration's coverage, a type absent from the
 * inputs), the quanta pruned for lack of pipeline inputs, the skipped quanta, and last the
 * quanta pruned because an upstream task's quanta were (cascades, in pipeline order).
 */
async function prunedCauses(repo: Repository, spec: BuildSpec, pipelineGraph: PipelineGraph, leftOut: QuantaLeftOut): Promise<string[]> {
  const producer = (p: PrunedQuanta) => pipelineGraph.datasetTypes.get(p.reason.datasetType)?.producer ?? null;
  const prunedTasks = new Set(leftOut.pruned.map((p) => p.reason.task));
  const cascades = leftOut.pruned.filter((p) => prunedTasks.has(producer(p) ?? ''));
  const roots = leftOut.pruned.filter((p) => !cascades.includes(p));
  const line = (p: PrunedQuanta) => leftOutCauses({ pruned: [p], skipped: 0, skipExistingIn: [] })[0]!;
  const explanations = new Set<string>();
  for (const p of roots.filter((r) => producer(r) === null)) {
    const why = await missingInputExplanation(repo, spec, p);
    if (why) explanations.add(why);
  }
  return [
    ...explanations,
    ...roots.map(line),
    ...leftOutCauses({ ...leftOut, pruned: [] }),
    ...cascades.map((p) => `${line(p)}, as ${producer(p)}'s quanta were pruned`),
  ];
}

/** Why the pipeline input of pruned quanta `p` is missing: a calibration's coverage, or a type absent from the input collections; null when neither. */
async function missingInputExplanation(repo: Repository, spec: BuildSpec, p: PrunedQuanta): Promise<string | null> {
  const name = p.reason.datasetType;
  const type = await repo.registry.datasetTypes.get(name);
  if (type.isCalibration) return calibrationCoverage(repo, spec, name, p.examples[0] ?? {});
  const summary = await repo.registry.summaries.get(spec.inputs);
  return summary.datasetTypes.has(name) ? null : `no dataset of type '${name}' in the input collections ${spec.inputs.join(', ')}`;
}

/**
 * A build that fails on a prerequisite: why (the validity ranges of a calibration, when it
 * is one) first, then the error, and a dataset query listing what the input collections hold
 * for the quantum's data ID.
 */
async function prerequisiteDiagnosis(repo: Repository, spec: BuildSpec, e: PrerequisiteMissingError, repoArg: string): Promise<Diagnosis> {
  const where = Object.entries(e.dataId).map(([k, v]) => `${k} = ${typeof v === 'string' ? `'${v}'` : v}`).join(' AND ');
  return {
    empty: true, error: e.code,
    causes: [...(e.isCalibration ? [await calibrationCoverage(repo, spec, e.datasetType, e.dataId)] : []), e.message],
    reproduce: `qg query datasets ${e.datasetType} -b ${repoArg} -c ${spec.inputs.join(',')} --where ${JSON.stringify(where)}`,
  };
}

/** A bound value as `--bind` reads it back (parseBindText): lists comma-separated, numeric-looking strings quoted. */
function bindText(value: BindValue): string {
  const one = (v: string | number | bigint) => (typeof v === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v) ? `'${v}'` : String(v));
  return Array.isArray(value) ? value.map(one).join(',') : one(value as string | number | bigint);
}

/**
 * The validity ranges (at most 10) certified in the input collections for calibration `name`
 * at the dimensions it shares with the quantum's data ID.
 */
async function calibrationCoverage(repo: Repository, spec: BuildSpec, name: string, dataId: Readonly<Record<string, string | number>>): Promise<string> {
  const registry = repo.registry;
  const type = await registry.datasetTypes.get(name);
  const calibs = (await registry.collections.flatten(spec.inputs)).filter((c) => c.type === 'CALIBRATION');
  if (!calibs.length) return `no CALIBRATION collection is among the inputs ${spec.inputs.join(', ')}, so '${type.name}' cannot be found by time`;
  const shared = Object.fromEntries(type.dimensions.required.filter((d) => d in dataId).map((d) => [d, dataId[d]!]));
  const fmt = (t: bigint) => (t <= TIME_MIN ? '-inf' : t >= TIME_MAX ? '+inf' : taiToIso(t));
  const ranges = (await certifiedRanges(registry, type, calibs, shared, 10)).map(([b, e]) => `[${fmt(b)}, ${fmt(e)})`);
  return ranges.length
    ? `'${type.name}' ${JSON.stringify(shared)} is certified in ${calibs.map((c) => c.name).join(', ')} only for ${ranges.join(', ')} (TAI); the observation falls outside`
    : `'${type.name}' ${JSON.stringify(shared)} is not certified at all in ${calibs.map((c) => c.name).join(', ')}`;
}
