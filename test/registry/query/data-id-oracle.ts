/**
 * The plain-JS oracle for data-ID queries: random small repositories (as plain records), a
 * straightforward evaluator of --where trees (SQL three-valued logic, LSST's timespan rules,
 * NULL on division by zero, truncating integer division) and a brute-force enumeration of
 * data IDs. Nothing here calls the query layer: names are resolved from a table written
 * here, time literals are read here, and rows come from nested loops over the records.
 */
import type { Repository, WhereNode } from '../../../registry/index.js';
import { Rng } from '../../support/random.js';

// ---------------------------------------------------------------------------------------------
// Time: TAI nanoseconds since 1970-01-01 TAI; MJD 40587 is that epoch.

const NS_PER_S = 1_000_000_000n;
const NS_PER_DAY = 86_400n * NS_PER_S;
/** MJD 60310 (2024-01-01 00:00:00 TAI). */
export const T0 = (60310n - 40587n) * NS_PER_DAY;
/** Grid step of generated times: 675 s = 1/128 day, so grid MJDs are exact binary fractions. */
export const GRID_NS = 675n * NS_PER_S;
/** TAI - UTC in 2024. */
const LEAP_NS = 37n * NS_PER_S;
/** What qg stores for an unbounded timespan's ends. */
export const UNBOUNDED = { begin: -(2n ** 62n), end: 2n ** 62n } as const;

export interface Span {
  readonly begin: bigint;
  readonly end: bigint;
}

/** An exact decimal string (e.g. '60310.0078125') as a fraction num / 10^k. */
function decimal(text: string): { num: bigint; scale: bigint } {
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m) throw new Error(`oracle: not a decimal: ${text}`);
  const digits = `${m[2] ?? ''}${m[3] ?? ''}` || '0';
  const sign = m[1] === '-' ? -1n : 1n;
  return { num: sign * BigInt(digits), scale: 10n ** BigInt((m[3] ?? '').length) };
}

function mjdTextToNs(text: string): bigint {
  const { num, scale } = decimal(text);
  const total = num * NS_PER_DAY;
  const q = total / scale;
  const r = total - q * scale;
  // round half away from zero (grid values are exact, so this only matters for stray inputs)
  const rounded = 2n * (r < 0n ? -r : r) >= scale ? q + (total < 0n ? -1n : 1n) : q;
  return rounded - 40587n * NS_PER_DAY;
}

function calendarToNs(text: string): bigint {
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (!m) throw new Error(`oracle: not an ISO time: ${text}`);
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return BigInt(ms) * 1_000_000n + BigInt((m[7] ?? '').padEnd(9, '0'));
}

/**
 * TAI ns of the text inside `T'...'`, for the forms this suite writes: a bare MJD (TAI), a
 * bare ISO/ISOT date-time (UTC), `mjd/X/tai`, `mjd/X/utc`, `iso/X/tai`, `isot/X/utc`.
 * All generated dates are in 2024, where TAI - UTC = 37 s.
 */
export function oracleTime(text: string): bigint {
  const parts = text.split('/');
  let format: string, value: string, scale: string;
  if (parts.length === 1) {
    value = parts[0]!;
    format = /^\d+-/.test(value) ? 'iso' : 'mjd';
    scale = format === 'mjd' ? 'tai' : 'utc';
  } else if (parts.length === 3) {
    [format, value, scale] = [parts[0]!.toLowerCase(), parts[1]!, parts[2]!.toLowerCase()];
  } else {
    throw new Error(`oracle: time form not generated here: ${text}`);
  }
  const uniform = format === 'mjd' ? mjdTextToNs(value) : calendarToNs(value);
  return scale === 'tai' ? uniform : uniform + LEAP_NS;
}

/** The ISO text (UTC, or TAI with `tai`) of a TAI instant in 2024, with 9 fraction digits when needed. */
export function isoText(tai: bigint, scale: 'utc' | 'tai', sep: ' ' | 'T' = ' '): string {
  const ns = scale === 'utc' ? tai - LEAP_NS : tai;
  const sec = ns / NS_PER_S;
  const frac = ns - sec * NS_PER_S;
  const iso = new Date(Number(sec) * 1000).toISOString();
  return `${iso.slice(0, 10)}${sep}${iso.slice(11, 19)}${frac ? `.${frac.toString().padStart(9, '0')}` : ''}`;
}

/** The MJD text of grid instant `T0 + j * GRID` (exact: j/128 has a finite binary expansion). */
export function gridMjdText(j: number): string {
  return String(60310 + j / 128);
}

// ---------------------------------------------------------------------------------------------
// Repository contents as plain records.

export interface DetectorRec { instrument: string; id: number; purpose: string | null; raft: string | null }
export interface ExposureRec {
  instrument: string; id: number; physical_filter: string; day_obs: number;
  exposure_time: number | null; dark_time: number | null; observation_type: string | null;
  seq_num: number | null; target_name: string | null; timespan: Span | null;
}
export interface VisitRec {
  instrument: string; id: number; physical_filter: string; day_obs: number;
  exposure_time: number | null; seq_num: number | null; target_name: string | null; timespan: Span | null;
}
export interface PhysicalFilterRec { instrument: string; name: string; band: string }
export interface DayObsRec { instrument: string; id: number; timespan: Span | null }

/** A small observation repository: what the property test inserts and the oracle reads. */
export interface ObsRepo {
  instruments: string[];
  bands: string[];
  physicalFilters: PhysicalFilterRec[];
  dayObs: DayObsRec[];
  detectors: DetectorRec[];
  exposures: ExposureRec[];
  visits: VisitRec[];
  /** [instrument, exposure, visit] */
  visitDefinitions: [string, number, number][];
}

/** Strings used as field values and literals: quotes, SQL punctuation, unicode, empty. */
export const STRING_POOL = [
  'science', 'bias', 'SCIENCE', "it's", "O''Brien", 'x"y', 'a;b', '--', "x'); DROP TABLE exposure; --", '', 'Ünï', ' sp ',
];
export const INSTRUMENT_POOL = ['Cam', "O'Cam"];
export const BAND_POOL = ['g', 'r', 'i'];

/** Builds a random repository from `seed`. */
export function randomObsRepo(seed: number): ObsRepo {
  const rng = new Rng(seed);
  const instruments = rng.bool(0.4) ? [...INSTRUMENT_POOL] : [rng.pick(INSTRUMENT_POOL)];
  const bands = [...BAND_POOL];
  const repo: ObsRepo = { instruments, bands, physicalFilters: [], dayObs: [], detectors: [], exposures: [], visits: [], visitDefinitions: [] };
  const span = (): Span | null => {
    if (rng.bool(0.12)) return null;
    const k = BigInt(rng.int(0, 16));
    return { begin: T0 + k * GRID_NS, end: T0 + (k + BigInt(rng.int(1, 4))) * GRID_NS };
  };
  const maybe = <T>(items: readonly T[], pNull = 0.2): T | null => (rng.bool(pNull) ? null : rng.pick(items));
  for (const instrument of instruments) {
    const filters = rng.subset(['g_01', 'r_03', 'i_02', 'g_02'], 0.7);
    if (!filters.length) filters.push('r_03');
    for (const f of filters) repo.physicalFilters.push({ instrument, name: f, band: f[0]! });
    const days = rng.bool(0.5) ? [20240101, 20240102] : [20240101];
    for (const d of days) repo.dayObs.push({ instrument, id: d, timespan: rng.bool(0.2) ? null : { begin: T0 + BigInt(d - 20240101) * 8n * GRID_NS, end: T0 + BigInt(d - 20240101 + 1) * 8n * GRID_NS } });
    for (const id of rng.subset([0, 1, 2, 3, 4, 5], 0.55)) {
      repo.detectors.push({ instrument, id, purpose: maybe(['SCIENCE', 'WAVEFRONT', "it's", 'GUIDER']), raft: maybe(['R22', 'R01', ''], 0.3) });
    }
    const exposures: ExposureRec[] = [];
    for (const id of rng.subset([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 0.5)) {
      exposures.push({
        instrument, id, physical_filter: rng.pick(filters), day_obs: rng.pick(days),
        exposure_time: maybe([0, 15, 30, 30.5, 2.25, -1, 7]), dark_time: maybe([0, 15.5, 31]),
        observation_type: maybe(['science', 'bias', 'dark', "it's"]), seq_num: maybe([0, 1, 2, 3, 5, 8]),
        target_name: maybe(STRING_POOL), timespan: span(),
      });
    }
    repo.exposures.push(...exposures);
    // visits: each made of 1-2 exposures sharing physical_filter and day_obs (consistent implied values)
    const unused = [...exposures];
    const visitIds = rng.subset([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 0.45);
    for (const id of visitIds) {
      if (!unused.length) break;
      const first = unused.splice(rng.int(0, unused.length - 1), 1)[0]!;
      const members = [first];
      const mate = unused.findIndex((e) => e.physical_filter === first.physical_filter && e.day_obs === first.day_obs);
      if (mate >= 0 && rng.bool(0.4)) members.push(unused.splice(mate, 1)[0]!);
      // occasionally an exposure belongs to two visits (LSST allows several visit definitions)
      const shared = exposures.find((e) => !members.includes(e) && !unused.includes(e) && e.physical_filter === first.physical_filter && e.day_obs === first.day_obs);
      if (shared && rng.bool(0.2)) members.push(shared);
      repo.visits.push({
        instrument, id, physical_filter: first.physical_filter, day_obs: first.day_obs,
        exposure_time: maybe([15, 30, 30.5, 60]), seq_num: maybe([0, 1, 2, 3]), target_name: maybe(STRING_POOL), timespan: span(),
      });
      for (const m of members) repo.visitDefinitions.push([instrument, m.id, id]);
    }
  }
  return repo;
}

/** Inserts an ObsRepo into a qg repository (in one transaction). */
export async function insertObsRepo(repo: Repository, data: ObsRepo): Promise<void> {
  const r = repo.registry;
  await r.transaction(async (tx) => {
    const dims = r.dimensions;
    await dims.insert('instrument', data.instruments.map((name) => ({ name })), tx);
    await dims.insert('band', data.bands.map((name) => ({ name })), tx);
    await dims.insert('physical_filter', data.physicalFilters.map((p) => ({ ...p })), tx);
    await dims.insert('day_obs', data.dayObs.map((d) => ({ ...d })), tx);
    if (data.detectors.length) await dims.insert('detector', data.detectors.map((d) => ({ ...d })), tx);
    if (data.exposures.length) await dims.insert('exposure', data.exposures.map((e) => ({ ...e })), tx);
    if (data.visits.length) await dims.insert('visit', data.visits.map((v) => ({ ...v })), tx);
    if (data.visitDefinitions.length) {
      await dims.insert('visit_definition', data.visitDefinitions.map(([instrument, exposure, visit]) => ({ instrument, exposure, visit })), tx);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Evaluation of --where trees.

/** Bind values as the query takes them. */
export type Binds = ReadonlyMap<string, string | number | readonly (string | number)[]>;

/** One candidate row: the records in play (absent when that dimension is not in the query). */
export interface RowContext {
  instrument: string;
  detector?: DetectorRec;
  exposure?: ExposureRec;
  visit?: VisitRec;
  physical_filter?: PhysicalFilterRec;
  day_obs?: DayObsRec;
  /** Extra keys (spatial tests): skymap, tract, patch and their records' fields. */
  keys?: Record<string, string | number>;
  fields?: Record<string, Record<string, unknown>>;
}

type Scalar = number | string | bigint;
type Value = Scalar | Span | boolean | null | { list: Scalar[] };
type NumType = 'int' | 'float';

const KEY_OF: Record<string, 'id' | 'name'> = {
  instrument: 'name', detector: 'id', exposure: 'id', visit: 'id', physical_filter: 'name', day_obs: 'id',
  band: 'name', skymap: 'name', tract: 'id', patch: 'id',
};
const INT_FIELDS = new Set(['seq_num', 'id', 'detector', 'exposure', 'visit', 'day_obs', 'tract', 'patch', 'cell_x', 'cell_y']);
const FLOAT_FIELDS = new Set(['exposure_time', 'dark_time']);

function recordOf(ctx: RowContext, element: string): Record<string, unknown> {
  const r = (ctx as unknown as Record<string, unknown>)[element] ?? ctx.fields?.[element];
  if (!r) throw new Error(`oracle: no ${element} record in this row`);
  return r as Record<string, unknown>;
}

function keyValue(ctx: RowContext, dimension: string): Scalar {
  switch (dimension) {
    case 'instrument': return ctx.instrument;
    case 'band': return recordOf(ctx, 'physical_filter')['band'] as string;
    default: {
      if (ctx.keys && dimension in ctx.keys) return ctx.keys[dimension]!;
      return recordOf(ctx, dimension)[KEY_OF[dimension]!] as Scalar;
    }
  }
}

/** Static numeric type of a subtree (for the integer-division rule). */
function numType(node: WhereNode, binds: Binds): NumType {
  switch (node.kind) {
    case 'IntLiteral': return 'int';
    case 'FloatLiteral': return 'float';
    case 'BindParameter': return Number.isInteger(binds.get(node.name)) ? 'int' : 'float';
    case 'Identifier': {
      if (node.parts.length === 1 && binds.has(node.name)) return Number.isInteger(binds.get(node.name)) ? 'int' : 'float';
      const last = node.parts[node.parts.length - 1]!;
      if (node.parts.length === 1) return 'int';
      if (FLOAT_FIELDS.has(last)) return 'float';
      if (INT_FIELDS.has(last)) return 'int';
      throw new Error(`oracle: ${node.name} is not numeric`);
    }
    case 'Unary': return numType(node.operand, binds);
    case 'Binary': return numType(node.left, binds) === 'int' && numType(node.right, binds) === 'int' ? 'int' : 'float';
    default: throw new Error(`oracle: ${node.kind} is not numeric`);
  }
}

const isSpan = (v: Value): v is Span => typeof v === 'object' && v !== null && 'begin' in v;

/** Evaluates a tree over one row. Conditions give true / false / null (unknown). */
export function evaluate(node: WhereNode, ctx: RowContext, binds: Binds): Value {
  const ev = (n: WhereNode): Value => evaluate(n, ctx, binds);
  switch (node.kind) {
    case 'IntLiteral': return Number(node.value);
    case 'FloatLiteral': return node.value;
    case 'StringLiteral': return node.value;
    case 'UuidLiteral': return node.value;
    case 'TimeLiteral': return oracleTime(node.text);
    case 'BindParameter': return bindValue(node.name, binds);
    case 'Identifier': return identifier(node.parts, ctx, binds);
    case 'Unary': {
      const v = ev(node.operand);
      if (node.op === 'NOT') return v === null ? null : !(v as boolean);
      return v === null ? null : -(v as number);
    }
    case 'Binary': return binary(node.op, node.left, node.right, ctx, binds);
    case 'InList': {
      const x = ev(node.operand);
      if (x === null) return null;
      let hit = false;
      for (const item of node.items) {
        if (item.kind === 'Range') {
          const v = x as number, a = Number(item.start), b = Number(item.stop), s = Number(item.stride);
          if (v >= a && v <= b && (v - a) % s === 0) hit = true;
        } else {
          const iv = ev(item);
          const values = typeof iv === 'object' && iv !== null && 'list' in iv ? iv.list : [iv as Scalar];
          if (values.some((y) => y === x)) hit = true;
        }
      }
      return node.negated ? !hit : hit;
    }
    default: throw new Error(`oracle: cannot evaluate ${node.kind}`);
  }
}

function bindValue(name: string, binds: Binds): Value {
  const v = binds.get(name);
  if (v === undefined) throw new Error(`oracle: no bind ${name}`);
  return Array.isArray(v) ? { list: [...v] } : (v as Scalar);
}

function identifier(parts: readonly string[], ctx: RowContext, binds: Binds): Value {
  if (parts.length === 1) {
    if (binds.has(parts[0]!)) return bindValue(parts[0]!, binds);
    return keyValue(ctx, parts[0]!);
  }
  const [element, field, sub] = parts as [string, string, string?];
  const rec = recordOf(ctx, element);
  if (field === 'timespan') {
    const ts = (rec['timespan'] as Span | null) ?? UNBOUNDED;
    if (sub === undefined) return ts;
    return sub === 'begin' ? ts.begin : ts.end;
  }
  if (field === KEY_OF[element]) return keyValue(ctx, element);
  const v = rec[field];
  return v === undefined ? null : (v as Scalar | null);
}

function compare(op: string, a: Scalar, b: Scalar): boolean {
  switch (op) {
    case '=': return a === b;
    case '!=': return a !== b;
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '>=': return a >= b;
    default: throw new Error(`oracle: comparison ${op}`);
  }
}

const FLIP: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=' };

function binary(op: string, left: WhereNode, right: WhereNode, ctx: RowContext, binds: Binds): Value {
  if (op === 'AND' || op === 'OR') {
    const l = evaluate(left, ctx, binds) as boolean | null, r = evaluate(right, ctx, binds) as boolean | null;
    if (op === 'AND') return l === false || r === false ? false : l === null || r === null ? null : true;
    return l === true || r === true ? true : l === null || r === null ? null : false;
  }
  if (op === 'OVERLAPS') {
    const tupleSide = right.kind === 'Tuple' ? right : null;
    const l = evaluate(left, ctx, binds);
    const r = tupleSide ? { begin: evaluate(tupleSide.items[0], ctx, binds) as bigint, end: evaluate(tupleSide.items[1], ctx, binds) as bigint } : evaluate(right, ctx, binds);
    const asSpan = (v: Value): Span => (isSpan(v) ? v : { begin: v as bigint, end: (v as bigint) + 1n });
    const a = asSpan(l), b = asSpan(r);
    // half-open intervals share an instant; an empty (begin >= end) interval overlaps nothing
    const lo = a.begin > b.begin ? a.begin : b.begin, hi = a.end < b.end ? a.end : b.end;
    return lo < hi;
  }
  const l = evaluate(left, ctx, binds), r = evaluate(right, ctx, binds);
  if (['+', '-', '*', '/', '%'].includes(op)) {
    if (l === null || r === null) return null;
    const a = l as number, b = r as number;
    const ints = numType(left, binds) === 'int' && numType(right, binds) === 'int';
    switch (op) {
      case '+': return a + b;
      case '-': return a - b;
      case '*': return a * b;
      case '/': return b === 0 ? null : ints ? Math.trunc(a / b) : a / b;
      case '%': return b === 0 ? null : a % b;
    }
  }
  // comparisons
  if (isSpan(l) || isSpan(r)) {
    const [ts, t, o] = isSpan(l) ? [l, r as bigint, op] : [r as Span, l as bigint, FLIP[op] ?? op];
    switch (o) {
      case '>': return ts.begin > t;
      case '>=': return ts.begin >= t;
      case '<': case '<=': return ts.end <= t;
      default: throw new Error(`oracle: timespan ${o}`);
    }
  }
  if (l === null || r === null) return null;
  if (typeof l === 'boolean' || typeof r === 'boolean') return compare(op, Number(l), Number(r));
  return compare(op, l as Scalar, r as Scalar);
}

// ---------------------------------------------------------------------------------------------
// Brute-force data IDs.

const OBS_DIMS = ['detector', 'exposure', 'visit'] as const;

/** The observation dimensions (detector, exposure, visit) a tree names, directly or through fields. */
export function namedObservationDims(node: WhereNode | null, binds: Binds): Set<string> {
  const out = new Set<string>();
  const visit = (n: WhereNode): void => {
    switch (n.kind) {
      case 'Identifier':
        if (n.parts.length === 1 && binds.has(n.name)) return;
        if ((OBS_DIMS as readonly string[]).includes(n.parts[0]!)) out.add(n.parts[0]!);
        return;
      case 'Unary': visit(n.operand); return;
      case 'Binary': visit(n.left); visit(n.right); return;
      case 'InList': visit(n.operand); n.items.forEach(visit); return;
      case 'Tuple': n.items.forEach(visit); return;
      default: return;
    }
  };
  if (node) visit(node);
  return out;
}

/** Distinct data IDs (as sorted JSON objects over instrument + the requested dims). */
export function expectedDataIds(data: ObsRepo, dimensions: readonly string[], ast: WhereNode | null, binds: Binds): Set<string> {
  const all = new Set([...dimensions, ...namedObservationDims(ast, binds)]);
  const out = new Set<string>();
  const defs = new Set(data.visitDefinitions.map((d) => JSON.stringify(d)));
  for (const instrument of data.instruments) {
    const dets = all.has('detector') ? data.detectors.filter((d) => d.instrument === instrument) : [undefined];
    const exps = all.has('exposure') ? data.exposures.filter((e) => e.instrument === instrument) : [undefined];
    const viss = all.has('visit') ? data.visits.filter((v) => v.instrument === instrument) : [undefined];
    for (const detector of dets) for (const exposure of exps) for (const visit of viss) {
      if (exposure && visit && !defs.has(JSON.stringify([instrument, exposure.id, visit.id]))) continue;
      const carrier = exposure ?? visit;
      if (exposure && visit && (exposure.physical_filter !== visit.physical_filter || exposure.day_obs !== visit.day_obs)) continue;
      const ctx: RowContext = { instrument, detector, exposure, visit };
      if (carrier) {
        ctx.physical_filter = data.physicalFilters.find((p) => p.instrument === instrument && p.name === carrier.physical_filter);
        ctx.day_obs = data.dayObs.find((d) => d.instrument === instrument && d.id === carrier.day_obs);
      }
      if (ast && evaluate(ast, ctx, binds) !== true) continue;
      const id: Record<string, string | number> = { instrument };
      for (const d of dimensions) id[d] = keyValue(ctx, d) as string | number;
      out.add(canonical(id));
    }
  }
  return out;
}

/** A data ID as JSON with sorted keys. */
export function canonical(id: Record<string, unknown>): string {
  return JSON.stringify(Object.keys(id).sort().map((k) => [k, id[k]]));
}

/** Query result rows as canonical data IDs. */
export function resultIds(result: { columns: readonly string[]; rows: unknown[][] }): Set<string> {
  return new Set(result.rows.map((row) => canonical(Object.fromEntries(result.columns.map((c, i) => [c, row[i]])))));
}

/** Writes a string literal of the --where language. */
export function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
