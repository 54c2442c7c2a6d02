/**
 * The body of a command task (`run: {command: TEMPLATE}`): its input files are checked
 * against their records (as a module task's are when read) and given by absolute path; each
 * output gets a fresh staging path beside its final one (see `stagingPath`); the expanded
 * template runs through /bin/sh (shell-command.ts). A non-zero exit fails the quantum
 * (COMMAND_FAILED), and so does an output file the command did not write (OUTPUT_MISSING) or
 * that its storage class's formatter cannot read (OUTPUT_INVALID). What it printed goes to
 * the quantum's log (standard output as INFO, standard error as WARNING, or ERROR when it failed).
 * The staged files then go into place like any task's outputs.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
// The task runners' surface, not pipelines/index.js (YAML, graphlib): this runs in worker threads.
import { configWords, expandCommand, type CommandPlaceholder } from '../../pipelines/core/index.js';
import type { DatasetRef } from '../../registry/index.js';
import { QuantumError } from '../errors.js';
import { prepareStaged, stagingPath, type PreparedFile } from './file-batch.js';
import type { ExecutionContext, QuantumJob } from './quantum-executor.js';
import { runShell, type ShellResult } from './shell-command.js';
import { formatDataId, inputFile, type Say, type TaskBody } from './task-body.js';

/** A command runner. */
type CommandRunner = { readonly command: string; readonly cwd?: string };

/** One output connection with the staging path of each of its datasets. */
type StagedOutput = QuantumJob['outputs'][number] & { readonly staging: readonly string[] };

/**
 * Runs the command of `job`. Every staging path is added to `staged` before the command
 * starts, so that the caller removes what is left of them if the quantum fails.
 */
export async function runCommandTask(job: QuantumJob, runner: CommandRunner, ctx: ExecutionContext, say: Say, staged: string[]): Promise<TaskBody> {
  const t0 = performance.now();
  const store = ctx.datastore;
  const pathOf = store.pathOf.bind(store);
  let bytesRead = 0;
  const inputs = new Map(job.inputs.map((g) => [g.connection, g.datasets.map((d) => inputFile(d, pathOf, (file) => {
    bytesRead += store.readBytes(d.ref, file, { verifyChecksum: job.verifyChecksums }).length;
    return pathOf(file);
  }))]));
  const outputs: StagedOutput[] = job.outputs.map((o) => ({ ...o, staging: o.refs.map((ref) => stagingPath(store, ref, o.storageClass)) }));
  for (const path of outputs.flatMap((o) => o.staging)) {
    staged.push(path);
    mkdirSync(dirname(path), { recursive: true });
  }
  const command = expandCommand(runner.command, (p) => placeholderWords(job, p, inputs, outputs));
  say('INFO', 'qg.engine', `command: ${command}${runner.cwd ? ` (in ${runner.cwd})` : ''}`);

  const t1 = performance.now();
  const result = await shell(command, runner.cwd, ctx);
  const t2 = performance.now();
  const failed = result.status !== 0;
  for (const line of result.stdout) say('INFO', job.label, line);
  for (const line of result.stderr) say(failed ? 'ERROR' : 'WARNING', job.label, line);
  if (failed) {
    const last = result.stderr[result.stderr.length - 1];
    throw new QuantumError(`${job.label}: the command ${result.status === null ? `was killed by ${result.signal}` : `exited with status ${result.status}`}${last ? `: ${last}` : ''}`, 'COMMAND_FAILED');
  }
  const prepared = outputs.flatMap((o) => o.refs.map((ref, i) => stagedOutput(job, ctx, o, ref, o.staging[i]!)));
  const t3 = performance.now();
  return {
    prepared, bytesRead,
    figures: { command, exitStatus: result.status, stdoutBytes: result.stdoutBytes, stderrBytes: result.stderrBytes },
    seconds: { read: (t1 - t0) / 1000, run: (t2 - t1) / 1000, serialize: (t3 - t2) / 1000 },
  };
}

/** The words of one placeholder (the planner and the run's start check the names; a connection without datasets gives none). */
function placeholderWords(job: QuantumJob, p: CommandPlaceholder, inputs: ReadonlyMap<string, readonly string[]>, outputs: readonly StagedOutput[]): readonly string[] {
  const missing = (what: string) => new QuantumError(`${job.label}: command placeholder {${p.group}.${p.key}}: the quantum has no ${what} '${p.key}'`, 'TASK_NOT_RUNNABLE');
  switch (p.group) {
    case 'inputs': return inputs.get(p.key) ?? [];
    case 'outputs': return outputs.find((o) => o.connection === p.key)?.staging ?? [];
    case 'dataId':
      if (!(p.key in job.dataId)) throw missing('data-ID key');
      return [String(job.dataId[p.key])];
    case 'config':
      if (!(p.key in job.config)) throw missing('config field');
      return configWords(job.config[p.key]);
  }
}

/** `runShell`, its start reported to the context; a shell that cannot start fails the quantum. */
async function shell(command: string, cwd: string | undefined, ctx: ExecutionContext): Promise<ShellResult> {
  try {
    return await runShell(command, cwd, ctx.onCommand);
  } catch (e) {
    throw new QuantumError((e as Error).message, 'COMMAND_FAILED');
  }
}

/** The staged file of one output, checked: written, and readable as its storage class. */
function stagedOutput(job: QuantumJob, ctx: ExecutionContext, o: StagedOutput, ref: DatasetRef, staging: string): PreparedFile {
  const what = `output '${o.connection}' (${ref.datasetType} {${formatDataId(ref.dataId)}})`;
  if (!existsSync(staging)) throw new QuantumError(`${job.label}: the command did not write ${what} at ${staging}`, 'OUTPUT_MISSING');
  try {
    return prepareStaged(ctx.datastore, ref, o.storageClass, staging);
  } catch (e) {
    throw new QuantumError(`${job.label}: the command wrote ${what}, but it is not a readable ${o.storageClass} file: ${(e as Error).message}`, 'OUTPUT_INVALID');
  }
}
