/**
 * Empty-graph diagnosis (issue 5): one test per kind of cause, each checking that the right
 * cause is ranked first and that the `reproduce` command, run through the CLI's `main(argv)`,
 * shows the problem; `qg explain` and `qg build` print the explanation and exit non-zero;
 * a build that fails on a missing calibration is reported with LSST's message and the
 * calibration's validity ranges;
 * a non-empty build is diagnosed as such with the build's own quanta per task; and the
 * diagnosis's SQL statement count is small and does not grow with the repository.
 *
 * Repository: the simulator's tiny profile with 3x3 patches (so that some visit misses some
 * patch entirely), registry only. The visit/patch pair with no overlap is found here with an
 * independent separating-great-circle check on the stored regions.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { main } from '../../../engine/cli/main.js';
import { ConvexPolygon, taiFromIso, TIME_MAX, TIME_MIN, type BindValue, type DimensionRecord, type Repository, type Timespan } from '../../../registry/index.js';
import { SIM_COLLECTIONS, simulateRepository, type SimulationSummary } from '../../../pipelines/simulate/index.js';
import { buildQuantumGraph, diagnoseBuild, type BuildSpec, type Diagnosis } from '../../../planner/index.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIALECTS, makeRepo, tempDir } from '../../support/test-repos.js';

const SIM = { profile: 'tiny', pixels: false, patches: 3 } as const;
const BASE = "instrument = 'SimCam' AND skymap = 'simSkyMap'";
const DAY_NS = 86_400n * 1_000_000_000n;

/**
 * Three tasks in a chain, the first reading the bias as a regular calibration input: with
 * no CALIBRATION collection among the inputs (and only raw constraining the query) every
 * first quantum is pruned, and the second and third ones after it.
 */
const BIAS_CHAIN = `tasks:
  first:
    class: FirstTask
    dimensions: [instrument, detector, exposure]
    inputs:
      raw: {datasetType: raw, dimensions: [instrument, detector, exposure], storageClass: ExposureF}
      bias: {datasetType: bias, dimensions: [instrument, detector], storageClass: ExposureF, isCalibration: true}
    outputs: {a: {datasetType: chain_a, dimensions: [instrument, detector, exposure], storageClass: StructuredDataDict}}
    run: {command: "cat {inputs.raw} {inputs.bias} > {outputs.a}"}
  second:
    class: SecondTask
    dimensions: [instrument, detector, exposure]
    inputs: {a: {datasetType: chain_a, dimensions: [instrument, detector, exposure], storageClass: StructuredDataDict}}
    outputs: {b: {datasetType: chain_b, dimensions: [instrument, detector, exposure], storageClass: StructuredDataDict}}
    run: {command: "cat {inputs.a} > {outputs.b}"}
  third:
    class: ThirdTask
    dimensions: [instrument, detector, exposure]
    inputs: {b: {datasetType: chain_b, dimensions: [instrument, detector, exposure], storageClass: StructuredDataDict}}
    outputs: {c: {datasetType: chain_c, dimensions: [instrument, detector, exposure], storageClass: StructuredDataDict}}
    run: {command: "cat {inputs.b} > {outputs.c}"}
`;

// ---- an independent overlap check on the sphere ----

type Vec = readonly [number, number, number];
const dot = (a: Vec, b: Vec) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec, b: Vec): Vec => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/** Unit normals of a convex spherical polygon's edge planes, pointing to its inside (its vertex mean). */
function inwardNormals(vs: readonly Vec[]): Vec[] {
  const mean: Vec = [vs.reduce((s, v) => s + v[0], 0), vs.reduce((s, v) => s + v[1], 0), vs.reduce((s, v) => s + v[2], 0)];
  return vs.map((v, i) => {
    const n = cross(v, vs[(i + 1) % vs.length]!);
    const s = (dot(n, mean) < 0 ? -1 : 1) / Math.hypot(...n);
    return [n[0] * s, n[1] * s, n[2] * s] as Vec;
  });
}

/**
 * True when some edge great circle of one polygon has every vertex of the other more than
 * `margin` radians on its outside: the polygons are then disjoint (the other lies in the open
 * hemisphere beyond that circle, the first in the closed one inside it).
 */
function separated(a: ConvexPolygon, b: ConvexPolygon, margin = 1e-6): boolean {
  const cut = (p: ConvexPolygon, q: ConvexPolygon) => inwardNormals(p.vertices as Vec[]).some((n) => q.vertices.every((v) => dot(n, v as Vec) < -margin));
  return cut(a, b) || cut(b, a);
}

/** True when point `v` lies inside polygon `p` by more than `margin` (so the regions surely overlap). */
function inside(p: ConvexPolygon, v: Vec, margin = 1e-6): boolean {
  return inwardNormals(p.vertices as Vec[]).every((n) => dot(n, v) > margin);
}

/** The mean of a polygon's vertices, normalized: a point well inside a small convex polygon. */
function centerOf(p: ConvexPolygon): Vec {
  const s = [0, 1, 2].map((k) => p.vertices.reduce((t, v) => t + v[k]!, 0));
  const l = Math.hypot(...s);
  return [s[0]! / l, s[1]! / l, s[2]! / l];
}

// ---- running the CLI ----

/** Splits a command line the way a POSIX shell would for these commands: quotes, backslash escapes, `#` comments. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    if (line[i] === '#') break;
    let word = '';
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') {
      const c = line[i]!;
      if (c === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) throw new Error(`unbalanced ' in ${line}`);
        word += line.slice(i + 1, end);
        i = end + 1;
      } else if (c === '"') {
        i++;
        while (i < line.length && line[i] !== '"') {
          if (line[i] === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) i++;
          word += line[i++];
        }
        if (line[i] !== '"') throw new Error(`unbalanced " in ${line}`);
        i++;
      } else if (c === '\\' && i + 1 < line.length) {
        word += line[i + 1];
        i += 2;
      } else {
        word += c;
        i++;
      }
    }
    words.push(word);
  }
  return words;
}

describe.each(DIALECTS)('%s: empty-graph diagnosis', (dialect) => {
  let repo: Repository;
  let root: string;
  let dispose: () => Promise<void>;
  let summary: SimulationSummary;
  let visits: DimensionRecord[];
  let exposures: DimensionRecord[];

  let log: MockInstance<typeof console.log>;
  let err: MockInstance<typeof console.error>;
  /** Runs the CLI with fresh captures: status, stdout (console.log) and stderr (console.error). */
  const run = async (argv: readonly string[]) => {
    log.mockClear();
    err.mockClear();
    const status = await main(argv);
    return {
      status,
      stdout: log.mock.calls.map((c) => c.join(' ')).join('\n'),
      stderr: err.mock.calls.map((c) => c.join(' ')).join('\n'),
    };
  };
  /** Runs the diagnosis's `reproduce` command (a `qg query ...` line; anything after an unquoted # is a comment). */
  const reproduce = (d: Diagnosis, query = 'data-ids') => {
    const words = shellWords(d.reproduce);
    expect(words.slice(0, 3)).toEqual(['qg', 'query', query]);
    return run(words.slice(1));
  };
  /** The data-ID rows of a `qg query data-ids` table (header and rule dropped); [] when it printed (none). */
  const tableRows = (stdout: string) => (stdout.trim() === '(none)' ? [] : stdout.trim().split('\n').slice(2));
  /** The shared build options as CLI arguments. */
  const buildArgs = (s: BuildSpec) => [
    '-b', root, '-p', s.pipeline, '-i', s.inputs.join(','), '--output-run', s.outputRun!, '--where', s.where ?? '',
  ];
  /** Diagnoses `spec`, counting the statements it makes. */
  const diagnose = async (s: BuildSpec, on: Repository = repo) => {
    const before = on.registry.db.statements.total;
    const d = await diagnoseBuild(on, s, root);
    const statements = on.registry.db.statements.total - before;
    return { d, statements };
  };
  /**
   * The statement budget of an empty-query diagnosis: summaries and one LIMIT 1 per dimension,
   * then at most 16 statements per probe (the full query, one per where term, one per dataset
   * constraint, the spatial join), whatever the repository holds.
   */
  const probeBudget = (terms: number, constraints = 2) => 15 + 16 * (1 + terms + constraints + 1);
  const spec = (over: Partial<BuildSpec> = {}): BuildSpec => ({
    pipeline: 'drp.yaml', inputs: [SIM_COLLECTIONS.defaults], outputRun: 'u/test/diagnose', where: BASE, ...over,
  });

  beforeAll(async () => {
    ({ repo, root, dispose } = await makeRepo(dialect));
    summary = await simulateRepository(repo, SIM);
    visits = await repo.registry.dimensions.query('visit', repo.registry.knex, {});
    exposures = await repo.registry.dimensions.query('exposure', repo.registry.knex, {});
    expect(visits.length).toBe(summary.counts.visits);
  }, 120_000);
  afterAll(async () => {
    await dispose();
    process.exitCode = undefined;
  });
  beforeEach(() => {
    log = vi.spyOn(console, 'log').mockImplementation(() => {});
    err = vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('dataset type missing from the input collections (no raw run): named first, from summaries alone', async () => {
    const s = spec({ inputs: [SIM_COLLECTIONS.calib, SIM_COLLECTIONS.skymaps, SIM_COLLECTIONS.refcats] });
    const { d, statements } = await diagnose(s);
    expect(d.empty).toBe(true);
    expect(d.causes[0]).toMatch(/^no dataset of type 'raw' in the input collections SimCam\/calib, skymaps, refcats \(their summaries hold: bias, flat, ref_cat, skyMap\)/);
    expect(statements).toBeLessThanOrEqual(15); // summaries and a LIMIT 1 per dimension: no probes
    // the reproduce command fails naming the type and the collections; with the raw run added it returns rows
    const r = await reproduce(d);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("no dataset of type 'raw' in collections SimCam/calib, skymaps, refcats");
    const words = shellWords(d.reproduce).slice(1);
    words[words.indexOf('--collections') + 1] = `${SIM_COLLECTIONS.raw},${words[words.indexOf('--collections') + 1]}`;
    const fixed = await run(words);
    expect(fixed.status).toBe(0);
    expect(tableRows(fixed.stdout).length).toBe(summary.counts.visitDetectorPatchRows);
    // qg explain prints it and exits 1
    const x = await run(['explain', ...buildArgs(s)]);
    expect(x.status).toBe(1);
    expect(x.stdout).toContain("the graph is empty. Most likely causes:\n  1. no dataset of type 'raw' in the input collections");
    expect(x.stdout).toContain(`to reproduce: ${d.reproduce}`);
  });

  it("governor value absent (instrument = 'HSC'): named first with the values present", async () => {
    const s = spec({ where: "instrument = 'HSC' AND skymap = 'simSkyMap'" });
    const { d, statements } = await diagnose(s);
    expect(d.empty).toBe(true);
    expect(d.causes[0]).toBe("the input collections hold no datasets for instrument 'HSC' (they have: SimCam)");
    expect(statements).toBeLessThanOrEqual(15);
    const r = await reproduce(d);
    // the query refuses the value, naming it and the instruments known
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("no instrument 'HSC' in this repository (known: SimCam)");
    const x = await run(['explain', ...buildArgs(s)]);
    expect(x.status).toBe(1);
    expect(x.stdout).toContain("1. the input collections hold no datasets for instrument 'HSC'");
  });

  it('a where term that removes everything is named, not the harmless term next to it', async () => {
    const s = spec({ where: `${BASE} AND detector = 999 AND band = 'r'` });
    const { d, statements } = await diagnose(s);
    expect(d.empty).toBe(true);
    expect(d.causes).toHaveLength(1);
    expect(d.causes[0]).toMatch(/^the where term `detector = 999` removes every row \(without it the query returns data IDs, e\.g\. \{.*"detector":\d+/);
    expect(d.causes[0]).not.toContain('band');
    expect(statements).toBeLessThanOrEqual(probeBudget(4));
    const r = await reproduce(d);
    expect(r.status, r.stderr).toBe(0);
    expect(tableRows(r.stdout)).toEqual([]);
    // without the named term the same command returns rows; without the other one it still does not
    const words = shellWords(d.reproduce).slice(1);
    const w = words.indexOf('--where') + 1;
    const without = (term: string) => words.map((x, i) => (i === w ? x.replace(` AND ${term}`, '') : x));
    expect(without('detector = 999')[w]).toBe(`${BASE} AND band = 'r'`);
    expect(tableRows((await run(without('detector = 999'))).stdout).length).toBeGreaterThan(0);
    expect(tableRows((await run(without("band = 'r'"))).stdout)).toEqual([]);
    // qg build explains it and fails
    const b = await run(['build', ...buildArgs(s)]);
    expect(b.status).not.toBe(0);
    expect(b.stdout).toContain('1. the where term `detector = 999` removes every row');
    expect(b.stderr).toContain('the graph is empty');
  });

  it('a where term with a bind parameter: the term is named and the reproduce command carries the bind', async () => {
    const s = spec({ where: `${BASE} AND detector = :d AND band = :b`, bind: new Map<string, BindValue>([['d', 999], ['b', 'r']]) });
    const { d } = await diagnose(s);
    expect(d.causes[0]).toMatch(/^the where term `detector = :d` removes every row/);
    const r = await reproduce(d);
    expect(r.status, r.stderr).toBe(0);
    expect(tableRows(r.stdout)).toEqual([]);
    const words = shellWords(d.reproduce).slice(1);
    const w = words.indexOf('--where') + 1;
    words[w] = words[w]!.replace(' AND detector = :d', '');
    expect(tableRows((await run(words)).stdout).length).toBeGreaterThan(0);
  });

  // Regression: `--bind bands=g,r` used to be split at the comma before parseBinds saw it.
  it('a list bind parameter survives the reproduce command', async () => {
    const s = spec({ where: `${BASE} AND detector = :d AND band IN (:bands)`, bind: new Map<string, BindValue>([['d', 999], ['bands', ['g', 'r']]]) });
    const { d } = await diagnose(s);
    expect(d.causes[0]).toMatch(/^the where term `detector = :d` removes every row/);
    const r = await reproduce(d);
    expect(r.status, r.stderr).toBe(0);
  });

  it('a visit and a patch that do not overlap: the spatial overlap is named', async () => {
    const patches = await repo.registry.dimensions.query('patch', repo.registry.knex, {});
    const vdr = await repo.registry.dimensions.query('visit_detector_region', repo.registry.knex, {});
    const regionsOf = (visit: unknown) => vdr.filter((r) => r['visit'] === visit).map((r) => r['region'] as ConvexPolygon);
    // a pair where the visit's footprint and every detector region lie clear of the patch
    let pair: { visit: number; patch: number } | null = null;
    for (const v of visits) {
      for (const p of patches) {
        const pr = p['region'] as ConvexPolygon;
        if (separated(v['region'] as ConvexPolygon, pr) && regionsOf(v['id']).every((r) => separated(r, pr))) {
          pair ??= { visit: Number(v['id']), patch: Number(p['id']) };
        }
      }
    }
    expect(pair, 'the 3x3-patch tiny simulation has a visit that misses a patch').not.toBeNull();
    const { visit, patch } = pair!;
    // and a patch this visit surely overlaps (its center inside one of the visit's detectors): the control
    const hit = patches.find((p) => regionsOf(visit).some((r) => inside(r, centerOf(p['region'] as ConvexPolygon))));
    expect(hit).toBeDefined();

    const s = spec({ where: `${BASE} AND visit = ${visit} AND patch = ${patch}` });
    const { d, statements } = await diagnose(s);
    expect(d.empty).toBe(true);
    expect(d.causes).toHaveLength(1);
    // every one of the three alone lets rows through: they are reported together, the spatial join among them
    expect(d.causes[0]).toMatch(/spatial overlap of visit(_detector_region)? and patch/);
    expect(d.causes[0]).toContain(`\`visit = ${visit}\``);
    expect(d.causes[0]).toContain(`\`patch = ${patch}\``);
    expect(d.causes[0]).toContain('exclude each other');
    expect(statements).toBeLessThanOrEqual(probeBudget(4));

    const r = await reproduce(d);
    expect(r.status, r.stderr).toBe(0);
    expect(tableRows(r.stdout)).toEqual([]);
    // the same command with the overlapping patch returns this visit's rows: the query is right, the pair is disjoint
    const words = shellWords(d.reproduce).slice(1);
    const w = words.indexOf('--where') + 1;
    words[w] = words[w]!.replace(`patch = ${patch}`, `patch = ${Number(hit!['id'])}`);
    const control = await run(words);
    expect(tableRows(control.stdout).length).toBeGreaterThan(0);
    expect(tableRows(control.stdout).every((row) => row.includes(String(visit)))).toBe(true);
  });

  /** A CALIBRATION collection with the simulation's flats for all time and its biases only for `bias` (if any). */
  const calibCollection = async (name: string, bias: Timespan | null) => {
    const registry = repo.registry;
    const refs = await registry.datasets.query('bias', [SIM_COLLECTIONS.calibRuns[0]!], registry.knex);
    const flats = await registry.datasets.query('flat', [SIM_COLLECTIONS.calibRuns[0]!], registry.knex);
    expect(refs.length).toBe(summary.counts.detectors);
    await registry.transaction(async (tx) => {
      await registry.collections.register(name, 'CALIBRATION', null, tx);
      await registry.datasets.certify(name, flats, { begin: TIME_MIN, end: TIME_MAX }, tx);
      await registry.datasets.certify(name, refs, bias ?? { begin: TIME_MIN, end: TIME_MAX }, tx);
      if (!bias) expect(await registry.datasets.decertify(name, 'bias', { begin: TIME_MIN, end: TIME_MAX }, tx)).toBe(refs.length);
    });
    return spec({ inputs: [SIM_COLLECTIONS.raw, name, SIM_COLLECTIONS.skymaps, SIM_COLLECTIONS.refcats] });
  };
  const firstObservation = () => exposures.reduce((t, e) => ((e['timespan'] as Timespan).begin < t ? (e['timespan'] as Timespan).begin : t), TIME_MAX);

  /** LSST's message for an isr quantum without a bias. */
  const NO_BIAS = /^Not enough datasets \(0\) found for non-optional connection isr\.bias \(bias\) with minimum=1 for quantum data ID \{instrument: 'SimCam', detector: (\d+), exposure: (\d+)\} \(no 'bias' certified in the input collections is valid at the observation time\)$/;

  it('bias certified only before the observations: the build fails naming the quantum; the cause comes with its validity range', async () => {
    const t0 = firstObservation();
    const range = { begin: t0 - 10n * DAY_NS, end: t0 - DAY_NS };
    // independently: no exposure overlaps the range
    for (const e of exposures) {
      const ts = e['timespan'] as Timespan;
      expect(ts.begin >= range.end || ts.end <= range.begin).toBe(true);
    }
    const s = await calibCollection('test/calib-early', range);
    const { d, statements } = await diagnose(s);
    expect(d.empty).toBe(true);
    expect(d.error).toBe('PREREQUISITE_MISSING');
    // the cause (the bias's coverage) before the error it explains
    const [, detector, exposure] = NO_BIAS.exec(d.causes[1]!) ?? [];
    expect(exposure, d.causes[1]).toBeDefined();
    expect(exposures.map((e) => String(e['id']))).toContain(exposure);
    expect(d.causes).toHaveLength(2);
    // the range is printed as TAI times; the simulator's times are TAI nanoseconds on the same uniform scale
    const m = new RegExp(`^'bias' \\{"instrument":"SimCam","detector":${detector}\\} is certified in test/calib-early only for \\[([^,]+), ([^)]+)\\) \\(TAI\\); the observation falls outside$`).exec(d.causes[0]!);
    expect(m, d.causes[0]).not.toBeNull();
    expect([taiFromIso(m![1]!), taiFromIso(m![2]!)]).toEqual([range.begin, range.end]);
    expect(statements).toBeLessThanOrEqual(180); // the build (~125), summaries, one probe, the coverage lookup
    // the reproduce command lists the detector's one bias, certified in that range only
    const r = await reproduce(d, 'datasets');
    expect(r.status, r.stderr).toBe(0);
    expect(shellWords(d.reproduce)).toContain(`instrument = 'SimCam' AND detector = ${detector} AND exposure = ${exposure}`);
    const rows = tableRows(r.stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('test/calib-early');
  });

  it('bias decertified for all time: qg build fails naming the quantum (status 1); qg explain reports the same', async () => {
    const s = await calibCollection('test/calib-nobias', null);
    const { d } = await diagnose(s);
    expect(d.empty).toBe(true);
    expect(d.causes[1]).toMatch(NO_BIAS);
    const detector = NO_BIAS.exec(d.causes[1]!)![1];
    expect(d.causes[0]).toBe(`'bias' {"instrument":"SimCam","detector":${detector}} is not certified at all in test/calib-nobias`);

    const b = await run(['build', ...buildArgs(s)]);
    expect(b.status).toBe(1);
    expect(b.stderr).toBe(`qg: error: ${d.causes[1]}`);
    const x = await run(['explain', ...buildArgs(s)]);
    expect(x.status).toBe(1);
    expect(x.stdout).toContain(`the build fails (PREREQUISITE_MISSING). Causes:\n  1. ${d.causes[0]}\n  2. ${d.causes[1]}`);
    expect(x.stdout).toContain(`to reproduce: ${d.reproduce}`);
  });

  it('no CALIBRATION collection among the inputs: that root cause first, then the pruned quanta, then their cascade', async () => {
    const dir = tempDir('qg-diagnose-chain-');
    try {
      const pipeline = join(dir.path, 'bias-chain.yaml');
      writeFileSync(pipeline, BIAS_CHAIN);
      const inputs = [SIM_COLLECTIONS.raw, SIM_COLLECTIONS.skymaps];
      const s = spec({ pipeline, inputs, where: "instrument = 'SimCam'", datasetConstraint: ['raw'] });
      const raws = (await repo.registry.datasets.query('raw', [SIM_COLLECTIONS.raw], repo.registry.knex)).length;
      expect(raws).toBe(exposures.length * summary.counts.detectors);
      const { d } = await diagnose(s);
      expect(d.empty).toBe(true);
      expect(d.error).toBeUndefined();
      const pruned = (task: string, input: string, type: string) => new RegExp(`^${raws} ${task} quanta pruned: no ${type} for input '${input}' \\(e\\.g\\. \\{`);
      expect(d.causes).toHaveLength(4);
      expect(d.causes[0]).toBe(`no CALIBRATION collection is among the inputs ${inputs.join(', ')}, so 'bias' cannot be found by time`);
      expect(d.causes[1]).toMatch(pruned('first', 'bias', 'bias'));
      expect(d.causes[2]).toMatch(pruned('second', 'a', 'chain_a'));
      expect(d.causes[2]).toMatch(/, as first's quanta were pruned$/);
      expect(d.causes[3]).toMatch(pruned('third', 'b', 'chain_b'));
      expect(d.causes[3]).toMatch(/, as second's quanta were pruned$/);
      const x = await run(['explain', ...buildArgs(s), '--dataset-constraint', 'raw']);
      expect(x.status).toBe(1);
      expect(x.stdout).toContain(`the graph is empty. Most likely causes:\n  1. ${d.causes[0]}\n  2. ${d.causes[1]}`);
    } finally {
      dir.cleanup();
    }
  });

  it("a band that does not exist (band = 'R', band = 'z'): named with the bands that do, closest first; one statement for the check", async () => {
    const bands = (await repo.registry.dimensions.query('band', repo.registry.knex, {})).map((b) => String(b['name'])).sort();
    expect(bands).toContain('r');
    expect(bands).not.toContain('z');
    const others = bands.filter((b) => b !== 'r').map((b) => `'${b}'`);
    const upper = `no band 'R' in this repository; did you mean 'r'? (its band values, closest first: ${["'r'", ...others].join(', ')})`;
    const { d, statements } = await diagnose(spec({ where: `${BASE} AND band = 'R'` }));
    expect(d.causes).toEqual([upper]);
    // summaries, the band values, a LIMIT 1 per dimension: no probes
    expect(statements).toBeLessThanOrEqual(16);
    // one letter from every band: no "did you mean", every band listed
    const z = await diagnose(spec({ where: `${BASE} AND band IN ('z', 'r')` }));
    expect(z.d.causes).toEqual([`no band 'z' in this repository (its band values, closest first: ${bands.map((b) => `'${b}'`).join(', ')})`]);
    // qg query data-ids says the same under (none); a band that exists gives rows and no such line
    const q = await run(['query', 'data-ids', '-b', root, '--dimensions', 'visit', '--where', "band = 'R'"]);
    expect(q.status).toBe(0);
    expect(q.stdout).toBe(`(none)\n${upper}`);
    const ok = await run(['query', 'data-ids', '-b', root, '--dimensions', 'visit', '--where', "band = 'r'"]);
    expect(ok.stdout).not.toContain('in this repository');
    expect(tableRows(ok.stdout).length).toBeGreaterThan(0);
  });

  it('band = r (a value without quotes): the query and the build say to quote it', async () => {
    const q = await run(['query', 'data-ids', '-b', root, '--dimensions', 'visit', '--where', 'band = r']);
    expect(q.status).toBe(2);
    expect(q.stderr).toContain("unknown dimension 'r'; a string value is quoted: band = 'r'");
    const b = await run(['build', ...buildArgs(spec({ where: `${BASE} AND band != r` }))]);
    expect(b.status).toBe(2);
    expect(b.stderr).toContain("a string value is quoted: band != 'r'");
    // a number-keyed dimension gets no such hint
    const v = await run(['query', 'data-ids', '-b', root, '--dimensions', 'visit', '--where', 'visit = r']);
    expect(v.stderr).toContain("unknown dimension 'r'");
    expect(v.stderr).not.toContain('quoted');
  });

  it('a non-empty build: not empty, with the quanta per task of the build itself', async () => {
    const s = spec();
    const { d, statements } = await diagnose(s);
    const before = repo.registry.db.statements.total;
    const built = await buildQuantumGraph(repo, s);
    const buildStatements = repo.registry.db.statements.total - before;
    expect(d.empty).toBe(false);
    expect(d.causes).toEqual([]);
    expect(d.quanta).toEqual(Object.fromEntries(built.graph.tasks.map((t) => [t.label, t.quantumCount])));
    const e = summary.expectedQuanta;
    expect(d.quanta).toEqual({ isr: e.isr, calibrate: e.calibrate, makeWarp: e.makeWarp, assembleCoadd: e.assembleCoadd });
    // summaries, one LIMIT 1 probe, then the build
    expect(statements).toBeLessThanOrEqual(buildStatements + 30);
    const x = await run(['explain', ...buildArgs(s)]);
    expect(x.status).toBe(0);
    expect(x.stdout).toBe(`the graph is not empty: isr ${e.isr}, calibrate ${e.calibrate}, makeWarp ${e.makeWarp}, assembleCoadd ${e.assembleCoadd}`);
  });

  it("the diagnosis's statements do not grow with the repository (10x the visits)", async () => {
    const big = await makeRepo(dialect);
    try {
      await simulateRepository(big.repo, { ...SIM, visits: 40 });
      for (const s of [spec({ where: `${BASE} AND detector = 999 AND band = 'r'` }), spec({ where: "instrument = 'HSC'" }), spec()]) {
        const small = await diagnose(s);
        const large = await diagnose(s, big.repo);
        expect(large.d.empty).toBe(small.d.empty);
        expect(large.statements, s.where).toBe(small.statements);
      }
    } finally {
      await big.dispose();
    }
  });
});
