/**
 * Jobs into `sbatch` calls. Jobs that wait for the same jobs go in as one job array (up to
 * `maxArraySize` jobs per call): the jobs that wait for nothing, which with clustering are most
 * of a graph's jobs, and gathers over the same inputs; the others are one call each. A call's
 * `--dependency=afterok:...` names the jobs it waits for (a whole array by its id when it waits
 * for all of its elements, otherwise `<array>_<index>`). Every call carries
 * `--kill-on-invalid-dep=yes`, so a job whose upstream failed leaves the queue instead of
 * pending forever. Calls come in job order (upstream first), so every id a call names is known.
 */

/** One `sbatch` call. */
export interface SbatchCall {
  /** Jobs it submits: one job, or an array whose element i runs `jobs[i]`. */
  readonly jobs: readonly number[];
  /** Whether it is a job array (even of one element). */
  readonly array: boolean;
  /** Jobs it (every element of an array) waits for. */
  readonly after: readonly number[];
}

/** Where a submitted job is in Slurm: its call and (for arrays) its element. */
export interface SlurmRef {
  readonly call: number;
  readonly element: number | null;
}

/**
 * The calls that submit jobs with these `upstream` lists (jobs in topological order): jobs that
 * wait for the same jobs (all roots, typically; warps of one visit) share one array call of
 * at most `maxArraySize` elements. A call sits where its first job is: every job it waits
 * for comes before that (a later member's upstream is the first member's).
 */
export function sbatchCalls(upstream: readonly (readonly number[])[], maxArraySize = 1000): SbatchCall[] {
  const groups: { jobs: number[]; after: readonly number[] }[] = [];
  const open = new Map<string, { jobs: number[]; after: readonly number[] }>();
  upstream.forEach((after, j) => {
    const key = after.join(',');
    let group = open.get(key);
    if (!group || group.jobs.length >= maxArraySize) {
      groups.push((group = { jobs: [], after }));
      open.set(key, group);
    }
    group.jobs.push(j);
  });
  return groups.map((g) => ({ jobs: g.jobs, array: g.jobs.length > 1, after: g.after }));
}

/** Where each job is submitted. */
export function slurmRefs(calls: readonly SbatchCall[], jobCount: number): SlurmRef[] {
  const refs: SlurmRef[] = new Array(jobCount);
  calls.forEach((c, call) => c.jobs.forEach((j, i) => (refs[j] = { call, element: c.array ? i : null })));
  return refs;
}

/**
 * The `--dependency` value of `call` (`afterok:12:13_4`), given the Slurm id of each earlier
 * call (`idOf(call)`), or null when it waits for nothing.
 */
export function dependencyOf(call: SbatchCall, calls: readonly SbatchCall[], refs: readonly SlurmRef[], idOf: (call: number) => string): string | null {
  if (!call.after.length) return null;
  const byCall = new Map<number, number[]>();
  for (const j of call.after) {
    const r = refs[j]!;
    let list = byCall.get(r.call);
    if (!list) byCall.set(r.call, (list = []));
    if (r.element !== null) list.push(r.element);
  }
  const parts: string[] = [];
  for (const [c, elements] of byCall) {
    if (!calls[c]!.array || elements.length === calls[c]!.jobs.length) parts.push(idOf(c));
    else for (const e of elements) parts.push(`${idOf(c)}_${e}`);
  }
  return `afterok:${parts.join(':')}`;
}
