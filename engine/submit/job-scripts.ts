/**
 * The files of a submission, under `<run folder>/_submit/`: one batch script per sbatch call
 * (`scripts/<call>.sh`: an array's script finds its job in `scripts/<call>.jobs` by
 * SLURM_ARRAY_TASK_ID), each job's quanta (`quanta/<job>.txt`), its exit status written by the
 * script when qg ends (`status/<job>.exit`; Slurm may keep no accounting), the dependency list
 * (`dependencies.txt`) and the sbatch commands as a shell script (`submit.sh`, what a dry run
 * shows; the real submission makes the same calls).
 */
import type { SbatchCall, SlurmRef } from './sbatch-calls.js';
import { dependencyOf } from './sbatch-calls.js';

/** What every job script needs. */
export interface ScriptSettings {
  /** Words that run qg on a node (`node /shared/qg/engine/cli/qg.mjs`). */
  readonly qg: readonly string[];
  /** Absolute paths of the graph copy, the repository and the submission folder. */
  readonly graph: string;
  readonly repo: string;
  readonly dir: string;
  /** Slurm partition, if any. */
  readonly partition?: string;
  /** Extra `#SBATCH` options (`--time=01:00:00`). */
  readonly sbatchArgs: readonly string[];
  /** Extra `qg run-quanta` options (`-j 4`, `--tasks MODULE`). */
  readonly runArgs: readonly string[];
}

/** The shell's single-quoted form of `s`. */
export function shellQuote(s: string): string {
  return /^[\w./=:@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/** Name of job `j` (`j00012`). */
export function jobName(j: number): string {
  return `j${String(j).padStart(5, '0')}`;
}

/** Names of the calls: a single job's call is named as the job, the k-th array `a<k>`. */
export function callNames(calls: readonly SbatchCall[]): string[] {
  let arrays = 0;
  return calls.map((c) => (c.array ? `a${String(arrays++).padStart(3, '0')}` : jobName(c.jobs[0]!)));
}

/** The batch script of `call`. */
export function jobScript(s: ScriptSettings, call: SbatchCall, name: string): string {
  const q = shellQuote;
  const job = call.array ? `JOB=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" ${q(`${s.dir}/scripts/${name}.jobs`)})` : `JOB=${name}`;
  const run = [...s.qg, 'run-quanta', s.graph, '-b', s.repo, '--quanta', `@${s.dir}/quanta/`].map(q).join(' ');
  return [
    '#!/bin/sh',
    `#SBATCH --job-name=qg-${name}`,
    `#SBATCH --output=${s.dir}/logs/${call.array ? '%x-%A_%a' : '%x-%j'}.out`,
    ...(s.partition ? [`#SBATCH --partition=${s.partition}`] : []),
    ...s.sbatchArgs.map((a) => `#SBATCH ${a}`),
    job,
    `STATUS=${q(`${s.dir}/status`)}`,
    'echo "${SLURM_JOB_ID:-} $(hostname)" > "$STATUS/$JOB.start"',
    // scancel sends SIGTERM to qg too: it stops cleanly; the shell waits for it and records its status.
    "trap 'echo \"qg job $JOB: terminated\" >&2' TERM INT",
    `${run}"$JOB.txt" --job "$JOB" --no-progress${s.runArgs.length ? ` ${s.runArgs.map(q).join(' ')}` : ''}`,
    'code=$?',
    'echo "$code ${SLURM_JOB_ID:-}" > "$STATUS/$JOB.exit.tmp" && mv "$STATUS/$JOB.exit.tmp" "$STATUS/$JOB.exit"',
    'exit $code',
    '',
  ].join('\n');
}

/** The sbatch arguments of `call` (before the script), given the ids of earlier calls. */
export function sbatchArgs(call: SbatchCall, calls: readonly SbatchCall[], refs: readonly SlurmRef[], idOf: (call: number) => string): string[] {
  const dependency = dependencyOf(call, calls, refs, idOf);
  return [
    '--parsable', '--kill-on-invalid-dep=yes',
    ...(call.array ? [`--array=${arraySpec(call.elements)}`] : []),
    ...(dependency ? [`--dependency=${dependency}`] : []),
  ];
}

/** Slurm's `--array` value for these ascending indices: runs as ranges (`0-9,12,15-20`). */
export function arraySpec(elements: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < elements.length; ) {
    let k = i;
    while (k + 1 < elements.length && elements[k + 1] === elements[k]! + 1) k++;
    parts.push(k === i ? `${elements[i]}` : `${elements[i]}-${elements[k]}`);
    i = k + 1;
  }
  return parts.join(',');
}

/** An array's `.jobs` file: line i + 1 names the job of element i (blank where no element is). */
export function arrayJobList(call: SbatchCall, nameOf: (job: number) => string): string {
  const lines = new Array<string>(call.elements.at(-1)! + 1).fill('');
  call.jobs.forEach((j, i) => (lines[call.elements[i]!] = nameOf(j)));
  return `${lines.join('\n')}\n`;
}

/** `submit.sh`: the submission as shell commands (each call's id in a variable the later ones name). */
export function submitScript(calls: readonly SbatchCall[], refs: readonly SlurmRef[], dir: string): string {
  const variable = (c: number) => `\${ID_${c}}`;
  const names = callNames(calls);
  const lines = ['#!/bin/sh', '# The sbatch calls of this submission, in order (what qg submit runs; kept for reading and dry runs).', 'set -e'];
  calls.forEach((call, c) => {
    const name = names[c]!;
    const args = sbatchArgs(call, calls, refs, variable).map((a) => (a.includes('${') ? `"${a}"` : shellQuote(a)));
    lines.push(`ID_${c}=$(sbatch ${args.join(' ')} ${shellQuote(`${dir}/scripts/${name}.sh`)})`);
  });
  return `${lines.join('\n')}\n`;
}

/** `dependencies.txt`: one line per job, `<job>: <upstream jobs>`. */
export function dependencyList(upstream: readonly (readonly number[])[]): string {
  return upstream.map((u, j) => `${jobName(j)}:${u.map((x) => ` ${jobName(x)}`).join('')}\n`).join('');
}
