/**
 * Tasks a pipeline declares and runs itself (fixtures/user-tasks/), on both dialects, with the
 * repository and the pipeline's folder under names holding spaces and quotes: a TypeScript
 * module (`run: {module}`) and shell commands (`run: {command}`) run end to end from a saved
 * graph whose YAML is gone, their outputs equal to a hand computation; a command that exits
 * non-zero fails only its quantum (stderr in its log dataset, downstream blocked); one that
 * does not write its output fails with OUTPUT_MISSING; a hanging one is killed by --timeout
 * with its whole process group; config values reach the command as single words; and a
 * graph whose module is gone, or a pipeline whose runner or storage class cannot work, is
 * refused before anything is built or registered. After every run the registry and the
 * files agree (expectConsistentRun).
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Repository } from '../../registry/index.js';
import { loadGraph, PlanningError, saveGraph, type QuantumGraph } from '../../planner/index.js';
import { EngineError, WorkerPool, runGraph, type RunOptions, type RunSummary } from '../../engine/index.js';
import { DIALECTS, dialectOptions, tempDir } from '../support/test-repos.js';
import {
  buildArith, copyUserTasks, expectConsistentRun, expectedCombined, expectedTotal, fillArithRepo, INPUT_RUN, INSTRUMENT, pipelineWith, registeredDatasets, type RegisteredDataset,
} from './engine-helpers.js';
import { numberOf } from './fixtures/arith-tasks.js';
import { processesWith } from './kill-helpers.js';

const DETECTORS = 5;
const ALL = Array.from({ length: DETECTORS }, (_, d) => d);
/** A folder name a shell would split, unquote and expand. */
const AWKWARD = `it's a "test" $HOME \`id\` & more`;

/** Value of the file of a registered dataset. */
function fileOf(repo: Repository, d: RegisteredDataset): Buffer {
  return readFileSync(join(repo.root, d.path!));
}

/** Registered datasets of `type` by detector. */
function byDetector(datasets: readonly RegisteredDataset[], type: string): Map<number, RegisteredDataset> {
  return new Map(datasets.filter((d) => d.datasetType === type).map((d) => [Number(d.dataId['detector']), d]));
}

/** The error `promise` rejects with, checked to be a `type`. */
async function rejection<E extends Error>(type: abstract new (...args: never[]) => E, promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    return e as E;
  }
  throw new Error(`expected a ${type.name}`);
}

describe.each(DIALECTS)('user tasks: modules and commands (%s)', (dialect) => {
  const dir = tempDir('qg-user-tasks-');
  const pipelines = join(dir.path, `pipelines ${AWKWARD}`);
  let repo: Repository;
  let pool: WorkerPool;
  let chains = 0;

  /** The fixture pipeline with config overrides, built into a new output chain. */
  async function graphWith(overrides: Record<string, Record<string, unknown>> = {}): Promise<QuantumGraph> {
    const pipeline = pipelineWith(pipelines, join(pipelines, 'user-tasks.yaml'), overrides, `p${++chains}.yaml`);
    return buildArith(repo, pipeline, `u/user/c${chains}`);
  }
  const run = (g: QuantumGraph, options: RunOptions = {}): Promise<RunSummary> => runGraph(repo, g, { pool, ...options });

  beforeAll(async () => {
    copyUserTasks(pipelines);
    const root = join(dir.path, `repo ${AWKWARD}`);
    mkdirSync(root);
    repo = await Repository.create(root, dialectOptions(dialect));
    await fillArithRepo(repo, DETECTORS);
    pool = await WorkerPool.start({ size: 2, root: repo.root, template: repo.datastore.template });
  });
  afterAll(async () => {
    await pool?.close();
    await repo?.close();
    dir.cleanup();
  });

  it('a module and two commands run from a saved graph without its YAML; outputs equal the hand computation', async () => {
    const g = await graphWith();
    expect(g.tasks.map((t) => [t.label, t.runner && Object.keys(t.runner)[0], t.multiple])).toEqual([
      ['square', 'module', []], ['combine', 'command', []], ['sum', 'command', ['combined']],
    ]);
    const file = join(dir.path, 'user.qg');
    await saveGraph(g, file);
    renameSync(join(pipelines, `p${chains}.yaml`), join(dir.path, 'gone.yaml'));
    const summary = await run(loadGraph(file));
    expect(summary.failures).toEqual([]);
    expect(summary.counts).toMatchObject({ succeeded: 2 * DETECTORS + 1, failed: 0 });
    const datasets = await expectConsistentRun(repo, g.header.outputRun);
    const json = (d: RegisteredDataset) => JSON.parse(fileOf(repo, d).toString('utf8')) as Record<string, unknown>;
    for (const d of ALL) {
      const n = numberOf(d);
      expect(json(byDetector(datasets, 'squared').get(d)!)).toEqual({ value: n * n });
      const catalog = tableFromIPC(fileOf(repo, byDetector(datasets, 'squared_cat').get(d)!));
      expect([...catalog.getChild('detector')!], 'SourceCatalog as Arrow IPC').toEqual([d]);
      expect([...catalog.getChild('squared')!]).toEqual([n * n]);
      expect(json(byDetector(datasets, 'combined').get(d)!)).toEqual({ value: expectedCombined(d) });
    }
    const total = datasets.find((d) => d.datasetType === 'total')!;
    expect(json(total)).toEqual({ value: expectedTotal(ALL), count: DETECTORS, instrument: INSTRUMENT });
    // the command, what it printed, and its figures are in the quantum's log and metadata
    const sumLog = json(datasets.find((d) => d.datasetType === 'sum_log')!) as unknown as { name: string; message: string }[];
    expect(sumLog.map((r) => r.message)).toContain(`summed ${DETECTORS} values`);
    expect(sumLog.find((r) => r.message.startsWith('command: node sum.mjs '))!.message).toContain(`(in ${pipelines})`);
    const sumMetadata = json(datasets.find((d) => d.datasetType === 'sum_metadata')!) as { task: Record<string, unknown>; inputs: { count: number } };
    expect(sumMetadata.task).toMatchObject({ exitStatus: 0, stdoutBytes: `summed ${DETECTORS} values\n`.length, stderrBytes: 0 });
    expect(sumMetadata.inputs.count).toBe(DETECTORS);
    const squareMetadata = json(byDetector(datasets, 'square_metadata').get(2)!) as { task: unknown };
    expect(squareMetadata.task).toEqual({ n: numberOf(2) });
  });

  it('a command exiting non-zero fails its quantum alone: stderr in its log dataset, downstream blocked, the rest done', async () => {
    const g = await graphWith({ combine: { failOn: 2 } });
    const summary = await run(g);
    expect(summary.counts).toMatchObject({ succeeded: 2 * DETECTORS - 1, failed: 1, blocked: 1 });
    expect(summary.blocked).toEqual({ sum: 1 });
    const f = summary.failures[0]!;
    expect(f).toMatchObject({ task: 'combine', dataId: { detector: 2 }, code: 'COMMAND_FAILED' });
    expect(f.message).toContain('exited with status 3: combine: no luck for detector 2');
    const log = JSON.parse(readFileSync(f.log!, 'utf8')) as { level: string; message: string }[];
    expect(log).toContainEqual(expect.objectContaining({ level: 'ERROR', message: 'combine: no luck for detector 2' }));
    const datasets = await expectConsistentRun(repo, g.header.outputRun);
    expect([...byDetector(datasets, 'combined').keys()].sort()).toEqual([0, 1, 3, 4]);
    expect(byDetector(datasets, 'combine_log').has(2)).toBe(true);
    expect(datasets.some((d) => d.datasetType === 'total')).toBe(false);
  });

  it('a command that does not write its output fails with OUTPUT_MISSING; nothing of it is left', async () => {
    const g = await graphWith({ combine: { skipWriteOn: 4 } });
    const summary = await run(g);
    expect(summary.failures).toMatchObject([{ task: 'combine', dataId: { detector: 4 }, code: 'OUTPUT_MISSING' }]);
    expect(summary.failures[0]!.message).toMatch(/did not write output 'combined' \(combined \{instrument=Arith, detector=4\}\)/);
    await expectConsistentRun(repo, g.header.outputRun);
  });

  it('--timeout kills a hanging command with its process group; nothing of it is left', async () => {
    const g = await graphWith({ combine: { hangOn: 1 } });
    const summary = await run(g, { timeoutSeconds: 2 });
    expect(summary.failures).toMatchObject([{ task: 'combine', dataId: { detector: 1 }, code: 'QUANTUM_TIMEOUT' }]);
    expect(processesWith('sleep 60')).toEqual([]);
    await expectConsistentRun(repo, g.header.outputRun);
  });

  it('config values, data-ID values and paths reach the command as single words, however awkward', async () => {
    const awkward = [`a b`, `it's`, `"q"`, '$HOME', '`id`', 'x;y', '*', '', 'tab\there'];
    const yaml = (name: string, label: unknown) => {
      writeFileSync(join(pipelines, name), [
        'tasks:', '  echo:', '    class: EchoTask', '    dimensions: [instrument, detector]',
        `    config: {label: ${JSON.stringify(label)}}`,
        '    inputs: {number: {datasetType: numbers, dimensions: [instrument, detector], storageClass: StructuredDataDict}}',
        '    outputs: {args: {datasetType: echoed, dimensions: [instrument, detector], storageClass: StructuredDataDict}}',
        '    run: {command: "node echo-args.mjs {outputs.args} {config.label} {dataId.instrument} {inputs.number}"}', '',
      ].join('\n'));
      return join(pipelines, name);
    };
    const g = await buildArith(repo, yaml('echo.yaml', awkward), 'u/user/echo', { where: `instrument = '${INSTRUMENT}' AND detector = 0` });
    expect((await run(g)).failures).toEqual([]);
    const datasets = await expectConsistentRun(repo, g.header.outputRun);
    const echoed = JSON.parse(fileOf(repo, datasets.find((d) => d.datasetType === 'echoed')!).toString('utf8')) as { args: string[]; cwd: string };
    const input = (await registeredDatasets(repo, INPUT_RUN)).find((d) => d.dataId['detector'] === 0)!;
    expect(echoed.args).toEqual([...awkward, INSTRUMENT, join(repo.root, input.path!)]);
    expect(echoed.cwd).toBe(pipelines);
  });

  it('refuses, before building, a module without run(), an unknown placeholder, an unnamed output and a storage class without formatter', async () => {
    writeFileSync(join(pipelines, 'no-run.ts'), 'export const notRun = 1;\n');
    const cases: [string, string, string, RegExp][] = [
      ['square', 'run', '{module: ./no-run.ts}', /does not export a function run\(input\) \(exports: notRun\)/],
      ['sum', 'run', '{command: "node sum.mjs {outputs.total} {inputs.combined} {inputs.nothing}"}', /\{inputs\.nothing\}: the task has no input or prerequisite connection 'nothing' \(inputs: combined\)/],
      ['sum', 'run', '{command: "node sum.mjs {inputs.combined} {config.missing} {dataId.band}"}', /never names output 'total'/],
      ['square', 'outputs', '{squared: {datasetType: squared, dimensions: [instrument, detector], storageClass: StructuredDataDict}, catalog: {datasetType: squared_cat, dimensions: [instrument, detector], storageClass: NoSuchClass}}', /square\.catalog \(squared_cat\) has storage class NoSuchClass, which qg cannot read or write/],
    ];
    for (const [label, key, value, message] of cases) {
      const source = readFileSync(join(pipelines, 'user-tasks.yaml'), 'utf8');
      const lines = source.split('\n');
      const start = lines.findIndex((l) => l === `  ${label}:`);
      const at = lines.findIndex((l, i) => i > start && l.startsWith(`    ${key}:`));
      let end = at + 1;
      while (lines[end]?.startsWith('      ')) end++;
      lines.splice(at, end - at, `    ${key}: ${value}`);
      const path = join(pipelines, `bad-${++chains}.yaml`);
      writeFileSync(path, lines.join('\n'));
      const e = await rejection(PlanningError, buildArith(repo, path, `u/user/bad${chains}`));
      expect(e.code).toBe(key === 'outputs' ? 'BUILD_NO_FORMATTER' : 'BUILD_TASK_RUNNER');
      expect(e.message).toMatch(message);
      expect(e.message).toContain(path);
    }
  });

  it('refuses to run, before touching the registry, a graph whose task module is gone', async () => {
    writeFileSync(join(pipelines, 'square-copy.ts'), 'export function run(input: { inputs: { number: { value: number } } }) {\n  return { outputs: { squared: input.inputs.number.value ** 2 } };\n}\n');
    const source = readFileSync(join(pipelines, 'user-tasks.yaml'), 'utf8').replace(/module: .*square\.ts"?/, 'module: ./square-copy.ts');
    writeFileSync(join(pipelines, 'copy.yaml'), source);
    const g = await buildArith(repo, join(pipelines, 'copy.yaml'), 'u/user/gone');
    expect(g.tasks[0]!.runner).toEqual({ module: join(pipelines, 'square-copy.ts') });
    rmSync(join(pipelines, 'square-copy.ts'));
    const e = await rejection(EngineError, run(g));
    expect(e.code).toBe('TASK_UNKNOWN');
    expect(e.message).toMatch(/task 'square': task module .*square-copy\.ts does not exist/);
    expect(await repo.registry.collections.has(g.header.outputRun)).toBe(false);
  });
});
