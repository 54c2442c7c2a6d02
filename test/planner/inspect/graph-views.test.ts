/**
 * Views of a built graph: `selectQuanta` (--task; --where on a quantum's data ID or on it
 * with an input's, against a brute force over the edges, and its name checks; --upstream and
 * --downstream, checked against reachability computed here from the edge arrays),
 * `findQuantum`, and `qg show` / `qg build` through `main(argv)` (the summary, line for line
 * as the whole graph gives it; summary of the selection, filtered jsonl, exit statuses).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatTable } from '../../../engine/cli/output.js';
import {
  DATASET_SUMMARY_COLUMNS, EDGE_OUTPUT, findQuantum, graphSummary, graphToBytes, quantumJsonLines, selectQuanta,
  PlanningError, type QuantumGraph,
} from '../../../planner/index.js';
import { WhereError } from '../../../registry/index.js';
import { cliRunner } from '../../support/cli-runner.js';
import { thrownAs } from '../../support/thrown.js';
import { dataIdKey } from '../planner-helpers.js';
import { FIXTURE_WHERE, viewsFixture } from './views-fixture.js';

/** Quantum -> quanta it reads from (`up`) or that read from it (`down`), from the edges. */
function neighbours(g: QuantumGraph): { up: Set<number>[]; down: Set<number>[] } {
  const producer = new Map<number, number>();
  for (let e = 0; e < g.edgeCount; e++) if (g.connections[g.edgeConnections[e]!]!.direction === EDGE_OUTPUT) producer.set(g.edgeDatasets[e]!, g.edgeQuanta[e]!);
  const up = Array.from({ length: g.quantumCount }, () => new Set<number>());
  const down = Array.from({ length: g.quantumCount }, () => new Set<number>());
  for (let e = 0; e < g.edgeCount; e++) {
    if (g.connections[g.edgeConnections[e]!]!.direction === EDGE_OUTPUT) continue;
    const p = producer.get(g.edgeDatasets[e]!);
    if (p === undefined) continue;
    up[g.edgeQuanta[e]!]!.add(p);
    down[p]!.add(g.edgeQuanta[e]!);
  }
  return { up, down };
}

/** A --where expression as a hand-written predicate (a missing key makes it false). */
type Predicate = (id: Readonly<Record<string, string | number>>) => boolean;

function isNumberIn(v: unknown, lo: number, hi: number): boolean {
  return typeof v === 'number' && v >= lo && v <= hi;
}

/**
 * Quanta whose data ID, or whose data ID over one of its input's, satisfies `predicate` (each
 * completed by `implied`): brute force over the edges.
 */
function expectedSelection(g: QuantumGraph, predicate: Predicate, implied: (id: Readonly<Record<string, string | number>>) => Record<string, string | number> = (id) => id): number[] {
  const inputs = Array.from({ length: g.quantumCount }, () => [] as Record<string, string | number>[]);
  for (let e = 0; e < g.edgeCount; e++) {
    if (g.connections[g.edgeConnections[e]!]!.direction !== EDGE_OUTPUT) inputs[g.edgeQuanta[e]!]!.push(g.datasetDataId(g.edgeDatasets[e]!));
  }
  return Array.from({ length: g.quantumCount }, (_, q) => q).filter((q) => {
    const own = implied(g.quantumDataId(q));
    return predicate(own) || inputs[q]!.some((input) => predicate(implied({ ...input, ...own })));
  });
}

/** Rows of the text tables in `text`, by their first cell. */
function tableRows(text: string): Map<string, string[]> {
  return new Map(text.split('\n').map((line) => line.trim().split(/\s{2,}/)).filter((cells) => cells.length > 2).map((cells) => [cells[0]!, cells]));
}

function closure(start: number, next: Set<number>[]): number[] {
  const seen = new Set([start]);
  const stack = [start];
  while (stack.length) for (const n of next[stack.pop()!]!) if (!seen.has(n)) {
    seen.add(n);
    stack.push(n);
  }
  return [...seen].sort((a, b) => a - b);
}

describe('graph views', () => {
  const run = cliRunner({ captureWrites: true });
  const fixture = viewsFixture();
  let g: QuantumGraph, file: string, root: string, dir: string;
  beforeAll(() => ({ g, file, root, dir } = fixture));

  it('selectQuanta: everything, one task', () => {
    expect([...selectQuanta(g, {})]).toEqual(Array.from({ length: g.quantumCount }, (_, i) => i));
    const mw = g.tasks.find((t) => t.label === 'makeWarp')!;
    expect([...selectQuanta(g, { task: 'makeWarp' })]).toEqual(Array.from({ length: mw.quantumCount }, (_, i) => mw.quantumOffset + i));
    expect(() => selectQuanta(g, { task: 'nope' })).toThrow(PlanningError);
  });

  it('--where selects quanta whose data ID (with the values it implies), or whose data ID with one of its inputs\', matches', () => {
    const mw = g.tasks.find((t) => t.label === 'makeWarp')!;
    const visit = Number(g.quantumDataId(mw.quantumOffset)['visit']);
    const cases: [string, Predicate, string[]][] = [
      // calibrate and makeWarp of the visit by their own data IDs; assembleCoadd through the visit's warps
      [`visit = ${visit} AND detector IN (1..2)`, (id) => id['visit'] === visit && isNumberIn(id['detector'], 1, 2), ['calibrate', 'makeWarp']],
      [`visit = ${visit}`, (id) => id['visit'] === visit, ['calibrate', 'makeWarp', 'assembleCoadd']],
      // implied values: an exposure's or a visit's filter and band; the coadds through their warps
      ["physical_filter = 'SimCam-r'", (id) => id['physical_filter'] === 'SimCam-r', ['isr', 'calibrate', 'makeWarp', 'assembleCoadd']],
      ["band = 'g' AND detector = 1", (id) => id['band'] === 'g' && id['detector'] === 1, ['isr', 'calibrate', 'makeWarp']],
      ["band = 'g'", (id) => id['band'] === 'g', ['isr', 'calibrate', 'makeWarp', 'assembleCoadd']],
      [`day_obs = ${Number(fixture.implied(g.quantumDataId(0))['day_obs'])}`, (id) => id['day_obs'] === fixture.implied(g.quantumDataId(0))['day_obs'], ['isr', 'calibrate', 'makeWarp', 'assembleCoadd']],
    ];
    for (const [where, predicate, tasks] of cases) {
      const want = expectedSelection(g, predicate, fixture.implied);
      expect(want.length, where).toBeLessThan(g.quantumCount);
      expect(new Set(want.map((q) => g.tasks[g.taskOf(q)]!.label)), where).toEqual(new Set(tasks));
      expect([...selectQuanta(g, { where })], where).toEqual(want);
      expect([...selectQuanta(g, { task: tasks[0], where })], where).toEqual(want.filter((q) => g.tasks[g.taskOf(q)]!.label === tasks[0]));
    }
  });

  it('--where: an OR chain of 10,000 terms (no recursion per term), three-valued like SQL', () => {
    const terms = Array.from({ length: 10_000 }, (_, i) => `detector = ${i % 2 === 0 ? 1000 + i : 1}`);
    const want = expectedSelection(g, (id) => id['detector'] === 1);
    expect(want.length).toBeGreaterThan(0);
    expect([...selectQuanta(g, { where: terms.join(' OR ') })]).toEqual(want);
    // a data ID without a detector makes `detector = 1` NULL: NOT of it stays false
    const notWant = expectedSelection(g, (id) => typeof id['detector'] === 'number' && id['detector'] !== 1);
    expect(notWant.length).toBeGreaterThan(0);
    expect([...selectQuanta(g, { where: `NOT (${terms.join(' OR ')})` })]).toEqual(notWant);
  });

  it('--where: a name that is not a dimension of the graph is an error with a caret and a suggestion', () => {
    const failure = (where: string) => thrownAs(WhereError, () => selectQuanta(g, { where }));
    const typo = failure("visit = 1 AND bnad = 'g'");
    expect(typo.code).toBe('WHERE_UNKNOWN_NAME');
    expect(typo.message).toContain("no dimension 'bnad' in this graph; did you mean 'band'?");
    expect(typo.format().split('\n').slice(0, 2)).toEqual(["visit = 1 AND bnad = 'g'", `${' '.repeat(14)}^`]);
    expect(failure('band = r').message).toContain("a string value is quoted: band = 'r'");
    // a dimension of the universe that this graph's data IDs do not have
    // a string value no data ID holds (a typo would select nothing, silently)
    const absent = failure("visit > 0 AND band = 'R'");
    expect(absent.code).toBe('WHERE_ABSENT_VALUE');
    expect(absent.message).toMatch(/^no band 'R' in this graph; did you mean 'r'\? \(its values: (\w, )*r(, \w)*\)$/);
    expect(absent.format().split('\n')[1]).toBe(`${' '.repeat(21)}^`);
    expect(failure("band IN ('g', 'q')").message).toMatch(/^no band 'q' in this graph/);
    expect(failure("'SimCam-x' != physical_filter").message).toMatch(/^no physical_filter 'SimCam-x' in this graph; did you mean 'SimCam-/);
    expect(() => selectQuanta(g, { where: "band IN ('g', 'r') AND physical_filter != 'SimCam-g'" })).not.toThrow();
    expect(failure('subband = 3').message).toMatch(/no dimension 'subband' in this graph \(its dimensions: band, day_obs, detector, exposure, /);
  });

  it('--upstream / --downstream: the closure over producer -> consumer pairs of the edges', () => {
    const { up, down } = neighbours(g);
    const coadd = g.tasks.find((t) => t.label === 'assembleCoadd')!;
    const isr = g.tasks.find((t) => t.label === 'isr')!;
    for (const q of [coadd.quantumOffset, coadd.quantumOffset + coadd.quantumCount - 1]) {
      const want = closure(q, up);
      expect(want.length).toBeGreaterThan(3);
      expect([...selectQuanta(g, { upstream: String(q) })]).toEqual(want);
      const id = g.quantumDataId(q);
      expect([...selectQuanta(g, { upstream: `assembleCoadd:patch=${id['patch']},band=${id['band']}` })]).toEqual(want);
    }
    const q = isr.quantumOffset + 1;
    const want = closure(q, down);
    expect(want.length).toBeGreaterThanOrEqual(4);
    expect([...selectQuanta(g, { downstream: String(q) })]).toEqual(want);
    expect([...selectQuanta(g, { downstream: String(q), task: 'makeWarp' })]).toEqual(want.filter((x) => g.tasks[g.taskOf(x)]!.label === 'makeWarp'));
  });

  it('findQuantum: by number and by label:key=value; clear errors', () => {
    const cal = g.tasks.find((t) => t.label === 'calibrate')!;
    const q = cal.quantumOffset + 3;
    const id = g.quantumDataId(q);
    expect(findQuantum(g, `calibrate:visit=${id['visit']},detector=${id['detector']}`)).toBe(q);
    expect(findQuantum(g, String(q))).toBe(q);
    for (const bad of [String(g.quantumCount), 'nope:visit=1', 'calibrate:visit=999999']) {
      expect(() => findQuantum(g, bad)).toThrow(PlanningError);
    }
  });

  it('qg show: summary, filtered jsonl, dot; bad files and bad names exit 2', async () => {
    const summary = await run('show', file);
    expect(summary.status).toBe(0);
    expect(summary.stdout).toContain(`${g.quantumCount} quanta, ${g.datasetCount} datasets, ${g.edgeCount} edges`);
    for (const t of g.tasks) expect(summary.stdout).toMatch(new RegExp(`${t.label}\\b.*\\b${t.quantumCount}\\b`));
    const jsonl = await run('show', file, '--format', 'jsonl', '--task', 'makeWarp', '--where', 'patch = 1');
    expect(jsonl.status).toBe(0);
    const lines = jsonl.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { task: string; dataId: Record<string, unknown> });
    const want = [...selectQuanta(g, { task: 'makeWarp', where: 'patch = 1' })];
    expect(want.length).toBeGreaterThan(0);
    expect(lines.map((l) => dataIdKey(l.dataId))).toEqual(want.map((q) => dataIdKey(g.quantumDataId(q))));
    expect(lines.every((l) => l.task === 'makeWarp')).toBe(true);
    // the library's jsonl for the same selection is the same text
    expect(jsonl.stdout).toBe([...quantumJsonLines(g, Int32Array.from(want))].map((l) => `${l}\n`).join(''));
    const dot = await run('show', file, '--format', 'dot');
    expect(dot.status).toBe(0);
    expect(dot.stdout).toContain('digraph qg {');
    const bad = join(dir, 'bad.qg');
    writeFileSync(bad, graphToBytes(g).subarray(0, 1000));
    const corrupt = await run('show', bad);
    expect(corrupt.status).toBe(2);
    expect(corrupt.stderr).toContain(bad);
    const noTask = await run('show', file, '--format', 'jsonl', '--task', 'nope');
    expect(noTask.status).toBe(2);
    expect(noTask.stderr).toContain("'nope'");
  });

  it('qg show: the summary (read from the outline) is what the whole graph gives, line for line', async () => {
    const h = g.header;
    const s = graphSummary(g);
    const expected = [
      `graph ${file}: ${g.quantumCount} quanta, ${g.datasetCount} datasets, ${g.edgeCount} edges (format ${h.formatVersion})`,
      `pipeline ${h.pipeline}; inputs ${h.inputs.join(', ')}; output run ${h.outputRun}`,
      `where ${h.where}`,
      `build ${h.buildId} against repository ${h.repositoryId}`,
      '', formatTable(['task', 'class', 'dimensions', 'quanta'], s.tasks),
      '', formatTable(DATASET_SUMMARY_COLUMNS, s.datasetTypes),
    ];
    expect(h.pruned).toEqual([]);
    const summary = await run('show', file);
    expect(summary.status).toBe(0);
    expect(summary.stdout.trimEnd()).toBe(expected.join('\n'));
  });

  it('qg show --where: a typo is a usage error with a caret; the summary tables count the selection', async () => {
    const typo = await run('show', file, '--where', "bnad = 'g'");
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain("bnad = 'g'\n^\nno dimension 'bnad' in this graph; did you mean 'band'?");
    const mw = g.tasks.find((t) => t.label === 'makeWarp')!;
    const visit = Number(g.quantumDataId(mw.quantumOffset)['visit']);
    const selected = expectedSelection(g, (id) => id['visit'] === visit);
    const summary = await run('show', file, '--where', `visit = ${visit}`);
    expect(summary.status).toBe(0);
    expect(summary.stdout).toContain(`selected ${selected.length} quanta`);
    const rows = tableRows(summary.stdout);
    for (const t of g.tasks) {
      const n = selected.filter((q) => g.taskOf(q) === g.tasks.indexOf(t)).length;
      expect(rows.get(t.label)?.at(-1), t.label).toBe(String(n));
    }
    // dataset types: every dataset an edge of a selected quantum touches, by state (existing, predicted, skipped)
    const touched = new Set<number>();
    for (let e = 0; e < g.edgeCount; e++) if (selected.includes(g.edgeQuanta[e]!)) touched.add(g.edgeDatasets[e]!);
    for (const t of g.datasetTypes) {
      const states = [0, 1, 2].map((state) => [...touched].filter((d) => g.typeOf(d) === g.datasetTypes.indexOf(t) && g.datasetStates[d] === state).length);
      expect(rows.get(t.name)?.slice(-3), t.name).toEqual(states.map(String));
    }
  });

  it('qg build: an existing output run or an unknown pipeline exits 2 with the reason', async () => {
    const saved = join(dir, 'cli.qg');
    const ok = await run('build', '-b', root, '-p', 'drp.yaml#processCcd', '-i', 'SimCam/defaults', '--output-run', 'u/cli/run', '--where', FIXTURE_WHERE, '--save', saved);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/built \d+ quanta \(isr \d+, calibrate \d+\)/);
    expect(ok.stdout).toContain(`saved ${saved}`);
    const unknown = await run('build', '-b', root, '-p', 'nope.yaml', '-i', 'SimCam/defaults', '--output-run', 'u/cli/run2', '--where', FIXTURE_WHERE);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('nope.yaml');
    const where = await run('build', '-b', root, '-p', 'drp.yaml', '-i', 'SimCam/defaults', '--output-run', 'u/cli/run3', '--where', "instrument='SimCam' AND nosuchkey=1");
    expect(where.status).toBe(2);
  });
});
