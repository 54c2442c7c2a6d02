/** `qg pipeline show` and `qg pipeline check`: a pipeline expanded, and checked against a repository. */
import type { Argv, CommandModule } from 'yargs';
import {
  buildPipelineGraph, checkPipeline, drawPipeline, loadPipeline, PIPELINE_CONNECTION_COLUMNS, PIPELINE_DATASET_COLUMNS, PipelineError, pipelineSummary, pipelineYaml,
  TASK_LIBRARY, type PipelineGraph, type RepositoryView, type TaskDefinition,
} from '../../../pipelines/index.js';
import type { Repository } from '../../../registry/index.js';
import { loadTaskLibrary } from '../../index.js';
import { formatTable } from '../output.js';
import { TASK_MODULES_OPTION, listOption, withRepo, withRepository } from './shared-options.js';

/** The positional pipeline and `--tasks`. */
function withPipeline<T>(y: Argv<T>) {
  return y
    .positional('pipeline', { type: 'string', demandOption: true, describe: 'Pipeline YAML, optionally #label,subset (drp.yaml and drp-refcat.yaml ship with qg)' })
    .option('tasks', TASK_MODULES_OPTION);
}

/** Loads and checks the graph of the pipeline the arguments name. */
async function graphOf(argv: Record<string, unknown>): Promise<PipelineGraph> {
  const modules = listOption(argv['tasks'] as string[] | undefined);
  const library: ReadonlyMap<string, TaskDefinition> = modules.length ? await loadTaskLibrary(modules) : TASK_LIBRARY;
  return buildPipelineGraph(loadPipeline(String(argv['pipeline']), library));
}

/** The summary as text. */
function summaryText(g: PipelineGraph): string {
  const s = pipelineSummary(g);
  const lines = [`pipeline ${g.pipeline.source}${s.description ? `: ${s.description}` : ''}`];
  if (s.files.length > 1) lines.push(`files: ${s.files.join(', ')}`);
  if (s.instrument) lines.push(`instrument: ${s.instrument}`);
  if (s.parameters.length) lines.push(`parameters: ${s.parameters.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`);
  lines.push(`${s.tasks.length} tasks, ${s.datasetTypes.length} dataset types (+${s.standardTypes} per-task config, metadata and log); ` +
    `overall inputs: ${s.overallInputs.join(', ') || 'none'}${s.overallInitInputs.length ? `; overall init-inputs: ${s.overallInitInputs.join(', ')}` : ''}; prerequisites: ${s.prerequisites.join(', ') || 'none'}`);
  if (s.subsets.length) lines.push(`subsets: ${s.subsets.map(([name, labels]) => `${name} [${labels.join(', ')}]`).join('; ')}`);
  for (const t of s.tasks) {
    lines.push('', `${t.label} (${t.className}) {${t.dimensions.join(', ')}} at ${t.source}; runs: ${t.runs}`);
    lines.push(formatTable(PIPELINE_CONNECTION_COLUMNS, t.connections).split('\n').map((l) => `  ${l}`).join('\n'));
  }
  lines.push('', formatTable(PIPELINE_DATASET_COLUMNS, s.datasetTypes));
  return lines.join('\n');
}

/** What `checkPipeline` needs from a repository. */
async function repositoryView(repo: Repository): Promise<RepositoryView> {
  const registry = repo.registry;
  const universe = registry.universe;
  const types = await registry.datasetTypes.all();
  const instruments = (await registry.dimensions.query('instrument', registry.knex)).map((r) => String(r['name'] ?? r['instrument']));
  return {
    dimensions: new Set(universe.dimensions.map((d) => d.name)),
    normalize: (d) => universe.group(d).required,
    datasetTypes: new Map(types.map((t) => [t.name, { dimensions: t.dimensions.required, storageClass: t.storageClass }])),
    instruments,
  };
}

const show: CommandModule = {
  command: 'show <pipeline>',
  describe: 'Print a pipeline expanded: imports resolved, tasks with dimensions and connections, dataset types with producers and consumers',
  builder: (y) => withPipeline(y)
    .option('format', { choices: ['summary', 'yaml', 'dot', 'mermaid'] as const, default: 'summary', describe: 'summary: tables; yaml: the pipeline with every task declared inline; dot/mermaid: a drawing' })
    .example('$0 pipeline show drp.yaml', 'Tasks in dependency order, their connections, and every dataset type')
    .example('$0 pipeline show my-pipeline.yaml#processCcd --format yaml', 'The selected tasks as one self-contained pipeline file')
    .example('$0 pipeline show drp.yaml --format dot | dot -Tsvg > drp.svg', 'A drawing of the pipeline (with Graphviz)'),
  handler: async (argv) => {
    const g = await graphOf(argv);
    const format = String(argv['format']);
    if (format === 'yaml') process.stdout.write(pipelineYaml(g));
    else if (format === 'dot' || format === 'mermaid') console.log(drawPipeline(g, format));
    else console.log(summaryText(g));
  },
};

const check: CommandModule = {
  command: 'check <pipeline>',
  describe: 'Validate a pipeline against a repository: dimensions known, storage classes compatible, no cycles, every overall input registered',
  builder: (y) => withRepo(withPipeline(y))
    .example('$0 pipeline check my-pipeline.yaml -b repo', 'Each problem at its YAML line; exit status 2 if there is any')
    .epilog('It checks that the dimensions are known, storage classes compatible, there are no cycles, and the overall inputs and prerequisites are registered.'),
  handler: async (argv) => {
    const g = await graphOf(argv);
    const problems = await withRepository(String(argv['repo']), async (repo) => checkPipeline(g, await repositoryView(repo)));
    for (const p of problems) console.log(`${p.where}: ${p.message} [${p.code}]`);
    if (problems.length) throw new PipelineError(`pipeline ${g.pipeline.source} does not fit repository ${argv['repo']}: ${problems.length} problem(s)`, 'PIPELINE_CHECK');
    console.log(`pipeline ${g.pipeline.source} fits repository ${argv['repo']}: ${g.tasks.length} tasks, ${g.datasetTypes.size} dataset types; ` +
      `overall inputs registered: ${[...g.overallInputs, ...g.overallInitInputs].join(', ') || 'none'}`);
  },
};

/** The `pipeline` command group. */
export const pipelineCommands: CommandModule = {
  command: 'pipeline <command>',
  describe: 'Inspect pipeline YAML (expanded, drawn) and validate it against a repository',
  builder: (y) => y.command(show).command(check).demandCommand(1),
  handler: () => {},
};
