/** `qg build` and `qg show`. */
import type { Argv, CommandModule } from 'yargs';
import type { Repository } from '../../../registry/index.js';
// The where language's own surface, not registry/index.js (databases, files, YAML): `qg show` loads this module.
import { parseBinds } from '../../../registry/query/where/index.js';
import {
  buildQuantumGraph, DATASET_SUMMARY_COLUMNS, diagnoseBuild, drawGraph, EmptyGraphError, graphSummary, loadGraph, loadGraphOutline, quantumJsonLines, saveGraph, selectQuanta,
  type BuildResult, type BuildSpec, type Diagnosis, type GraphOutline, type GraphSummary, type QuantumGraph,
} from '../../../planner/index.js';
import { formatTable } from '../output.js';
import { bindOption, listOption, withRepo, withRepository } from './shared-options.js';

/** One line: quanta per task, datasets, edges, statements, seconds per phase. */
export function buildSummaryLine(g: QuantumGraph, statements: number, seconds: number): string {
  const phases = Object.entries(g.header.phases).map(([name, p]) => `${name} ${p.seconds.toFixed(2)}s/${p.statements}`).join(', ');
  return `built ${g.quantumCount} quanta (${g.tasks.map((t) => `${t.label} ${t.quantumCount}`).join(', ')}), ${g.datasetCount} datasets, ${g.edgeCount} edges; ` +
    `${statements} SQL statements in ${seconds.toFixed(2)} s [${phases}]`;
}

/**
 * The options `qg build`, `qg explain` and `qg run -p ...` share (pipetask users know them).
 * With `required: false` (`qg run GRAPH.qg`), -p and -i may be left out.
 */
export function withBuildOptions<T>(y: Argv<T>, options: { readonly required?: boolean } = {}) {
  const required = options.required ?? true;
  return withRepo(y)
    .option('pipeline', { alias: 'p', type: 'string', demandOption: required, describe: 'Pipeline YAML, optionally #label,label or #subset (drp.yaml and drp-refcat.yaml ship with qg)' })
    .option('input', { alias: 'i', type: 'string', array: true, demandOption: required, describe: 'Input collections, searched in order' })
    .option('output', { alias: 'o', type: 'string', describe: 'Output CHAINED collection: [<output>/<timestamp>, inputs...]' })
    .option('output-run', { type: 'string', describe: 'Output RUN collection (default <output>/<timestamp>)' })
    .option('where', { alias: ['w', 'd', 'data-query'], type: 'string', default: '', describe: 'Data-ID expression, as for `qg query data-ids`' })
    .option('bind', { type: 'string', array: true, describe: 'name=value for bind parameters in --where' })
    .option('config', { alias: 'c', type: 'string', array: true, describe: 'LABEL:KEY=VALUE config override (VALUE a YAML scalar), after the pipeline\'s config:; repeatable' })
    .option('config-file', { alias: 'C', type: 'string', array: true, describe: 'LABEL:FILE.yaml, a YAML mapping of config overrides (applied before -c); repeatable' })
    .option('dataset-constraint', { alias: 'dataset-query-constraint', type: 'string', default: 'all', describe: "Which overall inputs must exist for a data ID: 'all', 'off' or TYPE,..." })
    .option('skip-existing-in', { type: 'string', array: true, describe: 'Skip quanta whose outputs all exist in these collections' })
    .option('skip-existing', { type: 'boolean', default: false, describe: 'Skip quanta whose outputs all exist in the output run (with --extend-run; as --skip-existing-in <output run>)' })
    .option('register-dataset-types', { type: 'boolean', default: false, describe: 'Accepted for pipetask: qg always registers the output dataset types (when a run starts)' })
    .option('clobber-outputs', { type: 'boolean', default: false, describe: 'Replace outputs already in the output run' })
    .option('extend-run', { type: 'boolean', default: false, describe: 'Add to an existing output run' })
    .option('replace-run', { type: 'boolean', default: false, describe: "Make a new run in place of the output chain's first RUN (taken out of the chain when the run starts; its datasets stay)" });
}

/** The build spec the shared options describe. */
export function buildSpecFromArgs(argv: Record<string, unknown>): BuildSpec {
  const constraint = String(argv['datasetConstraint'] ?? 'all');
  return {
    pipeline: String(argv['pipeline']), inputs: listOption(argv['input'] as string[]),
    ...(argv['output'] ? { output: String(argv['output']) } : {}),
    ...(argv['outputRun'] ? { outputRun: String(argv['outputRun']) } : {}),
    where: String(argv['where'] ?? ''), bind: parseBinds(bindOption(argv['bind'])),
    datasetConstraint: constraint === 'all' || constraint === 'off' ? constraint : listOption(constraint),
    skipExistingIn: listOption(argv['skipExistingIn'] as string[] | undefined),
    ...(argv['skipExisting'] ? { skipExisting: true } : {}),
    ...(argv['config'] || argv['configFile'] ? { configOverrides: { values: bindOption(argv['config']), files: bindOption(argv['configFile']) } } : {}),
    clobberOutputs: Boolean(argv['clobberOutputs']), extendRun: Boolean(argv['extendRun']),
    ...(argv['replaceRun'] ? { replaceRun: true } : {}),
    command: `qg ${process.argv.slice(2).join(' ')}`,
  };
}

/** Prints a diagnosis (ranked causes and a command to reproduce; the error's code when the build fails). */
export function printDiagnosis(d: Diagnosis): void {
  if (!d.empty) {
    console.log(`the graph is not empty: ${Object.entries(d.quanta ?? {}).map(([t, n]) => `${t} ${n}`).join(', ')}`);
    return;
  }
  console.log(d.error ? `the build fails (${d.error}). Causes:` : 'the graph is empty. Most likely causes:');
  d.causes.forEach((c, i) => console.log(`  ${i + 1}. ${c}`));
  console.log(`\nto reproduce: ${d.reproduce}`);
}

/**
 * Builds a graph; when it comes out empty, diagnoses why (ranked causes) and fails with that
 * explanation instead of the bare error.
 */
export async function buildOrExplain(repo: Repository, spec: BuildSpec, repoArg: string): Promise<BuildResult> {
  const progress = phaseLine();
  try {
    return await buildQuantumGraph(repo, { ...spec, onPhase: progress.show });
  } catch (e) {
    if (!(e instanceof EmptyGraphError)) throw e;
    progress.clear();
    printDiagnosis(await diagnoseBuild(repo, spec, repoArg));
    throw new EmptyGraphError(e.message, [], undefined);
  } finally {
    progress.clear();
  }
}

/**
 * On a terminal, one line naming the build's current phase and the time so far, so that a
 * big build (seconds to minutes) is not silent; elsewhere nothing.
 */
function phaseLine(): { show?: (phase: string) => void; clear: () => void } {
  if (!process.stderr.isTTY) return { clear: () => {} };
  const start = performance.now();
  let shown = false;
  return {
    show: (phase) => {
      shown = true;
      process.stderr.write(`\r\x1b[Kplanning: ${phase} (${((performance.now() - start) / 1000).toFixed(1)} s)`);
    },
    clear: () => {
      if (shown) process.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}

const build: CommandModule = {
  command: 'build',
  describe: 'Plan a quantum graph: every task execution with the datasets it reads and writes',
  builder: (y) => withBuildOptions(y)
    .option('save', { alias: 'save-qgraph', type: 'string', describe: 'Write the graph to this .qg file' })
    .option('explain', { type: 'boolean', default: false, describe: "Print the database's plan of the big data-ID query" })
    .example("$0 build -b repo -p drp.yaml -i SimCam/defaults -o u/me/coadd --where \"instrument='SimCam' AND skymap='simSkyMap'\" --save coadd.qg", '')
    .example("$0 build -b repo -p drp.yaml#processCcd -i SimCam/defaults -o u/me/ccd --where 'visit IN (1..10)'", 'Only isr and calibrate')
    .example("$0 build -b repo -p drp.yaml#processCcd -i SimCam/defaults -o u/me/ccd -c isr:saturation=60000 --save ccd.qg", 'A config override (pipetask -c)')
    .example('$0 build -b repo -p drp.yaml -i SimCam/defaults -o u/me/coadd --extend-run --skip-existing --save rest.qg', 'Plan only what the latest run of u/me/coadd lacks')
    .epilog('The options are those of pipetask; -c/-C overrides are recorded in the graph. On a terminal, a line shows the planning phase and the time so far. ' +
      'A graph that would be empty is not saved: the build fails with the likely causes, ranked, as `qg explain` gives them.'),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const result = await buildOrExplain(repo, { ...buildSpecFromArgs(argv), explain: Boolean(argv['explain']) }, String(argv['repo']));
    if (result.explain) console.log(`plan of the data-ID query:\n${result.explain}\n`);
    console.log(buildSummaryLine(result.graph, result.statements, result.seconds));
    for (const p of result.graph.header.pruned) console.log(`  pruned ${p.count} ${p.task} quanta: ${p.reason} (e.g. ${JSON.stringify(p.examples[0])})`);
    if (argv['save']) {
      const bytes = await saveGraph(result.graph, String(argv['save']));
      console.log(`saved ${argv['save']} (${(bytes / 1e6).toFixed(2)} MB); output run ${result.graph.header.outputRun}`);
    }
  }),
};

const explain: CommandModule = {
  command: 'explain',
  describe: 'Only diagnose a build: would the graph be empty, and if so, why (ranked causes, cheapest checks first, and a command to reproduce)',
  builder: (y) => withBuildOptions(y)
    .example("$0 explain -b repo -p drp.yaml -i SimCam/defaults -o u/me/x --where \"band = 'z'\"", '')
    .epilog('The options are those of `qg build`. Exit status 1 when the graph would be empty.'),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const d = await diagnoseBuild(repo, buildSpecFromArgs(argv), String(argv['repo']));
    printDiagnosis(d);
    if (d.empty) process.exitCode = 1;
  }),
};

const show: CommandModule = {
  command: 'show <graph>',
  describe: 'Inspect a saved quantum graph: summary, JSON lines per quantum, or a DOT/Mermaid drawing',
  builder: (y) => y
    .positional('graph', { type: 'string', describe: 'A .qg file' })
    .option('format', { choices: ['summary', 'jsonl', 'dot', 'mermaid'] as const, default: 'summary' })
    .option('quanta', { type: 'boolean', default: false, describe: 'dot/mermaid: draw the selected quanta and their datasets instead of tasks' })
    .option('group-by', { type: 'string', describe: 'dot/mermaid: draw the selected quanta grouped, one node per task and values of these dimensions (DIM,DIM...; implied ones too, e.g. band)' })
    .option('hide-standard', { type: 'boolean', default: false, describe: "dot/mermaid: leave out every task's <label>_config, _metadata and _log datasets" })
    .option('keys', { type: 'boolean', default: true, describe: 'dot/mermaid: label data IDs with their keys (detector=4 exposure=12); --no-keys: values only (4/12)' })
    .option('legend', { type: 'boolean', default: false, describe: 'dot/mermaid: draw a legend of the node and edge kinds' })
    .option('max-nodes', { type: 'number', default: 500, describe: 'dot/mermaid: refuse drawings with more nodes than this' })
    .option('task', { type: 'string', describe: 'Only quanta of this task' })
    .option('where', { type: 'string', describe: "Only quanta whose data ID (with the values it implies: an exposure's band), or whose data ID with one of its inputs', satisfies this (the graph's dimensions only, e.g. \"visit = 3 AND detector IN (1..4)\")" })
    .option('upstream', { type: 'string', describe: 'Only this quantum and what it depends on (LABEL:key=value,... or a number)' })
    .option('downstream', { type: 'string', describe: 'Only this quantum and what depends on it' })
    .example('$0 show coadd.qg', 'Counts per task and dataset type')
    .example("$0 show coadd.qg --where \"band = 'r'\"", 'The same tables for the r-band quanta (isr of r-band exposures too) and the datasets they read or write')
    .example("$0 show coadd.qg --format jsonl --task makeWarp --where 'patch = 24'", 'The makeWarp quanta of patch 24')
    .example("$0 show coadd.qg --format dot --quanta --upstream 'assembleCoadd:patch=24,band=r' --hide-standard --legend | dot -Tsvg > up.svg", 'One coadd and every quantum it depends on')
    .example("$0 show coadd.qg --format dot --upstream 'assembleCoadd:patch=24,band=r' --group-by visit --hide-standard | dot -Tsvg > up-by-visit.svg", 'The same, one node per task and visit (for thousands of quanta)')
    .example("$0 show coadd.qg --format mermaid --quanta --where 'visit = 3' --no-keys > visit3.mmd", 'A Mermaid drawing of visit 3, data IDs as bare values')
    .epilog("--where, --task, --upstream and --downstream select quanta: the summary tables then count those and the datasets they read or write. " +
      "--where knows the graph's dimensions and the values they imply (band, physical_filter, day_obs of exposures and visits) only: " +
      "another name is an error, and so is a string value no data ID holds (band = 'R': did you mean 'r'?), not an empty selection."),
  handler: async (argv) => {
    const file = String(argv['graph']);
    const selection = {
      ...(argv['task'] ? { task: String(argv['task']) } : {}), ...(argv['where'] ? { where: String(argv['where']) } : {}),
      ...(argv['upstream'] ? { upstream: String(argv['upstream']) } : {}), ...(argv['downstream'] ? { downstream: String(argv['downstream']) } : {}),
    };
    const format = String(argv['format']);
    // The plain summary needs no data IDs nor edges: read only the outline (same checksum).
    if (format === 'summary' && !Object.keys(selection).length) {
      const outline = loadGraphOutline(file);
      printSummary(outline, file, graphSummary(outline));
      return;
    }
    const g = loadGraph(file);
    if (format === 'jsonl') {
      for (const line of quantumJsonLines(g, selectQuanta(g, selection))) process.stdout.write(`${line}\n`);
      return;
    }
    if (format === 'dot' || format === 'mermaid') {
      const groupBy = argv['groupBy'] === undefined ? undefined : listOption(String(argv['groupBy']));
      console.log(drawGraph(g, {
        format, quanta: argv['quanta'] || groupBy ? selectQuanta(g, selection) : null, ...(groupBy ? { groupBy } : {}),
        hideStandard: Boolean(argv['hideStandard']), keyedLabels: argv['keys'] !== false, legend: Boolean(argv['legend']), maxNodes: Number(argv['maxNodes']),
      }));
      return;
    }
    const selected = selectQuanta(g, selection);
    printSummary(g, file, graphSummary(g, selected), selected.length);
  },
};

/** `qg show`'s summary: header lines, then the task and dataset-type tables `s` (of `selected` quanta, if a selection was made). */
function printSummary(g: GraphOutline, file: string, s: GraphSummary, selected?: number): void {
  const h = g.header;
  console.log(`graph ${file}: ${g.quantumCount} quanta, ${g.datasetCount} datasets, ${g.edgeCount} edges (format ${h.formatVersion})`);
  if (selected !== undefined) console.log(`selected ${selected} quanta; the tables count them and the datasets they read or write; --format jsonl lists them`);
  console.log(`pipeline ${h.pipeline}; inputs ${h.inputs.join(', ')}; output run ${h.outputRun}${h.outputChain ? ` in chain ${h.outputChain}` : ''}`);
  if (h.where) console.log(`where ${h.where}`);
  console.log(`build ${h.buildId} against repository ${h.repositoryId}${h.clobberOutputs ? ' (may clobber outputs)' : ''}`);
  console.log(`\n${formatTable(['task', 'class', 'dimensions', selected !== undefined ? 'selected quanta' : 'quanta'], s.tasks)}`);
  console.log(`\n${formatTable(DATASET_SUMMARY_COLUMNS, s.datasetTypes)}`);
  if (h.pruned.length) console.log(`\npruned at build time:\n${h.pruned.map((p) => `  ${p.count} ${p.task}: ${p.reason}`).join('\n')}`);
}

/** `build` and `show`. */
export const graphCommands: CommandModule[] = [build, explain, show];
