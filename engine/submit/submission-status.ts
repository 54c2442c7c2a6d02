/**
 * `qg status RUN` and `qg cancel RUN`: the state of each job of a submission, from the
 * registry (which quanta are done), Slurm's queue (what waits and what runs) and the exit
 * statuses the job scripts write (Slurm may keep no accounting database).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadGraph } from '../../planner/index.js';
import { EngineError } from '../errors.js';
import type { Repository } from '../../registry/index.js';
import { GraphJobs } from '../run/graph-jobs.js';
import { completedQuanta } from '../run/run-state.js';
import { parseQuantumList } from './quantum-list.js';
import { SLURM, type QueuedJob, type SlurmClient } from './slurm-client.js';
import { readSubmission, type SubmittedJob } from './submission.js';

/** States of jobs and quanta. */
export const JOB_STATES = ['pending', 'running', 'succeeded', 'failed', 'blocked'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** One job's state. */
export interface JobStatus {
  readonly name: string;
  readonly slurm: string | null;
  readonly state: JobState;
  /** The exit status its script wrote, if it ended. */
  readonly exitCode: number | null;
  readonly quanta: number;
  /** Its quanta the registry has complete. */
  readonly done: number;
  /** Why it is in that state, when not obvious. */
  readonly reason: string;
}

/** A submission's state. */
export interface SubmissionStatus {
  readonly run: string;
  readonly jobs: readonly JobStatus[];
  /** Jobs per state. */
  readonly jobCounts: Record<JobState, number>;
  /** Quanta per state: done quanta succeeded, the others as their job. */
  readonly quantumCounts: Record<JobState, number>;
  /** Nothing pending or running. */
  readonly finished: boolean;
  /** Whether Slurm's queue was read; without squeue, unfinished jobs are all 'pending'. */
  readonly queueKnown: boolean;
}

const ACTIVE = /^(RUNNING|COMPLETING|CONFIGURING|STAGE_OUT|SIGNALING|RESIZING)$/;

/** The exit status a job's script wrote, or null. */
function exitCodeOf(dir: string, job: string): number | null {
  const path = join(dir, 'status', `${job}.exit`);
  return existsSync(path) ? Number(readFileSync(path, 'utf8').trim().split(' ')[0]) : null;
}

/** State of one job given its upstream jobs' states (jobs come in topological order). */
function jobState(job: SubmittedJob, done: number, quanta: number, exitCode: number | null, queue: Map<string, QueuedJob> | null, upstream: readonly JobState[]): { state: JobState; reason: string } {
  if (done === quanta) return { state: 'succeeded', reason: '' };
  if (exitCode !== null) return { state: 'failed', reason: exitCode === 0 ? 'exited 0 with quanta left undone' : `exit status ${exitCode}` };
  if (queue === null) {
    if (upstream.some((s) => s === 'failed' || s === 'blocked')) return { state: 'blocked', reason: 'an upstream job failed' };
    return { state: 'pending', reason: 'not finished (without squeue, queued and lost jobs look alike)' };
  }
  const queued = job.slurm ? queue.get(job.slurm) : undefined;
  if (queued) {
    if (ACTIVE.test(queued.state)) return { state: 'running', reason: '' };
    if (/DependencyNeverSatisfied/.test(queued.reason)) return { state: 'blocked', reason: 'an upstream job failed' };
    return { state: 'pending', reason: queued.reason };
  }
  if (job.slurm === null) return { state: 'pending', reason: 'not submitted' };
  if (upstream.some((s) => s === 'failed' || s === 'blocked')) return { state: 'blocked', reason: 'an upstream job failed' };
  return { state: 'failed', reason: 'left the queue without an exit status (cancelled or killed)' };
}

/** The state of every job of `run`'s submission. */
export async function submissionStatus(repo: Repository, run: string, slurm: SlurmClient = SLURM): Promise<SubmissionStatus> {
  const record = readSubmission(repo, run);
  const graph = loadGraph(record.graph);
  // the queue before the registry: a job that left the queue has registered its outputs, so a
  // job ending between the two reads is not taken for one that exited with quanta undone
  const queue = await queueIfInstalled(slurm, record.jobs.flatMap((j) => (j.slurm ? [j.slurm] : [])));
  const complete = await completedQuanta(repo, new GraphJobs(graph, repo.datastore.template));
  const zero = () => Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  const jobCounts = zero();
  const quantumCounts = zero();
  const jobs: JobStatus[] = [];
  for (const job of record.jobs) {
    const quanta = parseQuantumList(job.quanta);
    const done = quanta.reduce((n, q) => n + complete[q]!, 0);
    const exitCode = exitCodeOf(record.settings.dir, job.name);
    const { state, reason } = jobState(job, done, quanta.length, exitCode, queue, job.upstream.map((u) => jobs[u]!.state));
    jobs.push({ name: job.name, slurm: job.slurm, state, exitCode, quanta: quanta.length, done, reason });
    jobCounts[state]++;
    quantumCounts.succeeded += done;
    quantumCounts[state === 'succeeded' ? 'failed' : state] += quanta.length - done;
  }
  return { run, jobs, jobCounts, quantumCounts, finished: jobCounts.pending + jobCounts.running === 0, queueKnown: queue !== null };
}

/** Slurm's queue of `ids`, or null where squeue is not installed (status then comes from the registry and the exit files). */
async function queueIfInstalled(slurm: SlurmClient, ids: readonly string[]): Promise<Map<string, QueuedJob> | null> {
  try {
    return await slurm.squeue(ids);
  } catch (e) {
    if (e instanceof EngineError && e.code === 'SLURM_MISSING') return null;
    throw e;
  }
}

/** Cancels the queued jobs of `run`'s submission; returns how many were queued. */
export async function cancelSubmission(repo: Repository, run: string, slurm: SlurmClient = SLURM): Promise<number> {
  const record = readSubmission(repo, run);
  const queued = await slurm.squeue(record.jobs.flatMap((j) => (j.slurm ? [j.slurm] : [])));
  await slurm.scancel([...queued.keys()]);
  return queued.size;
}
