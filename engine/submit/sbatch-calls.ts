/**
 * Jobs into `sbatch` calls. Jobs that wait for the same jobs go in as one job array (up to
 * `maxArraySize` jobs per call): the jobs that wait for nothing, which with clustering are most
 * of a graph's jobs, and gathers over the same inputs. A job that waits for one element of an
 * array (calibrate after its own isr, unclustered) goes into a *follower* array at that
 * element's index, which waits element by element (`aftercorr`): one call for a whole chain
 * step instead of one per job. The others are one call each. A call's `--dependency` names
 * the jobs it waits for (a whole array by its id when it waits for all of its elements,
 * otherwise `<array>_<index>`). Every call carries `--kill-on-invalid-dep=yes`, so a job whose
 * upstream failed leaves the queue instead of pending forever. Calls come in job order
 * (upstream first), so every id a call names is known.
 */

/** One `sbatch` call. */
export interface SbatchCall {
  /** Jobs it submits: one job, or an array whose element `elements[i]` runs `jobs[i]`. */
  readonly jobs: readonly number[];
  /** Whether it is a job array (even of one element). */
  readonly array: boolean;
  /** Array indices of its jobs, ascending (0, 1, 2, ... except in follower arrays). */
  readonly elements: readonly number[];
  /** Jobs it (every element of an array) waits for. */
  readonly after: readonly number[];
  /** For a follower array: the call whose element i each element i waits for (`aftercorr`). */
  readonly follows?: number;
}

/** Where a submitted job is in Slurm: its call and (for arrays) its element. */
export interface SlurmRef {
  readonly call: number;
  readonly element: number | null;
}

interface CallDraft {
  readonly jobs: number[];
  readonly elements: number[];
  readonly after: number[];
  readonly follows?: CallDraft;
}

/**
 * The calls that submit jobs with these `upstream` lists (jobs in topological order). A call
 * sits where its first job is: every job it waits for comes before that (a later member of a
 * same-upstream array waits for what the first waits for; a follower's upstream array came
 * first).
 */
export function sbatchCalls(upstream: readonly (readonly number[])[], maxArraySize = 1000): SbatchCall[] {
  const drafts: CallDraft[] = [];
  const sameUpstream = new Map<string, CallDraft>();
  const followers = new Map<CallDraft, CallDraft>();
  const callOf: CallDraft[] = [];
  const elementOf: number[] = [];
  const add = (draft: CallDraft, job: number, element: number) => {
    draft.jobs.push(job);
    draft.elements.push(element);
    callOf[job] = draft;
    elementOf[job] = element;
  };
  const keys = upstream.map((after) => after.join(','));
  const waiting = new Map<string, number>();
  for (const key of keys) waiting.set(key, (waiting.get(key) ?? 0) + 1);
  upstream.forEach((after, j) => {
    const key = keys[j]!;
    // the only job waiting for one array element follows it; jobs that share an upstream share an array
    const leader = after.length === 1 && waiting.get(key) === 1 ? callOf[after[0]!]! : null;
    if (leader && leader.jobs.length > 1) {
      const element = elementOf[after[0]!]!;
      let follower = followers.get(leader);
      if (!follower || follower.elements.at(-1)! >= element) {
        // a new follower when this element is taken (jobs follow in element order)
        drafts.push((follower = { jobs: [], elements: [], after: [], follows: leader }));
        followers.set(leader, follower);
      }
      follower.after.push(after[0]!);
      add(follower, j, element);
      return;
    }
    let group = sameUpstream.get(key);
    if (!group || group.jobs.length >= maxArraySize) {
      drafts.push((group = { jobs: [], elements: [], after: [...after] }));
      sameUpstream.set(key, group);
    }
    add(group, j, group.jobs.length);
  });
  const index = new Map(drafts.map((d, c) => [d, c]));
  return drafts.map((d) => {
    const single = d.jobs.length === 1;
    // a follower of one job waits for that one element, as any single job does
    if (d.follows && !single) return { jobs: d.jobs, array: true, elements: d.elements, after: d.after, follows: index.get(d.follows)! };
    return { jobs: d.jobs, array: !single, elements: single ? [0] : d.elements, after: d.after };
  });
}

/** Where each job is submitted. */
export function slurmRefs(calls: readonly SbatchCall[], jobCount: number): SlurmRef[] {
  const refs: SlurmRef[] = new Array(jobCount);
  calls.forEach((c, call) => c.jobs.forEach((j, i) => (refs[j] = { call, element: c.array ? c.elements[i]! : null })));
  return refs;
}

/**
 * The `--dependency` value of `call` (`afterok:12:13_4`, or `aftercorr:12` for a follower),
 * given the Slurm id of each earlier call (`idOf(call)`), or null when it waits for nothing.
 */
export function dependencyOf(call: SbatchCall, calls: readonly SbatchCall[], refs: readonly SlurmRef[], idOf: (call: number) => string): string | null {
  if (call.follows !== undefined) return `aftercorr:${idOf(call.follows)}`;
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
