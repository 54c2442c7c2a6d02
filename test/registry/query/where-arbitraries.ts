/**
 * fast-check arbitraries for well-typed --where expressions over the observation dimensions
 * (exposure, visit, detector and what they imply), written as text. Values come from fixed
 * pools that overlap the random repositories of data-id-oracle.ts, so comparisons hit.
 *
 * `constantTerms` adds the constructs whose answer depends on how constants are bound and
 * typed (see the regressions in data-id-property.test.ts): comparisons and arithmetic between
 * two constants, float constants next to integer expressions (a float divisor included), a minus
 * in front of a constant, and integer division with a constant operand. Without it, every
 * operator has a column on at least one side, float constants only meet float expressions (and
 * are never a divisor), and integer division only joins constant-free operands.
 */
import fc from 'fast-check';
import { GRID_NS, STRING_POOL, T0, gridMjdText, isoText, quote } from './data-id-oracle.js';

export interface WhereGenOptions {
  /** Also generate operations on constants alone and mixed int/float constants (see above). */
  readonly constantTerms: boolean;
  /** Also generate < <= > >= between strings. */
  readonly stringOrder?: boolean;
  /** Also generate empty (begin = end) and reversed (begin > end) OVERLAPS pairs. */
  readonly emptyPairs?: boolean;
}

/** A numeric expression and what the generator knows about it. */
interface Num {
  readonly text: string;
  readonly type: 'int' | 'float';
  /** Mentions a column somewhere. */
  readonly col: boolean;
  /** Holds no constant at all (columns and operators only). */
  readonly pure: boolean;
}

/** The bind names expressions use, with the kinds of value the tests must bind to them. */
export const BIND_NAMES = { int: ['n', 'm'], float: ['f'], string: ['s', 'b'], instrument: ['inst'], intList: ['lst'], floatList: ['flst'], stringList: ['slst'] } as const;

const INT_COLUMNS = ['exposure', 'visit', 'detector', 'exposure.id', 'visit.id', 'detector.id', 'exposure.seq_num', 'visit.seq_num'];
const FLOAT_COLUMNS = ['exposure.exposure_time', 'exposure.dark_time', 'visit.exposure_time'];
const STRING_COLUMNS = [
  'detector.purpose', 'detector.raft', 'exposure.observation_type', 'exposure.target_name', 'visit.target_name',
  'band', 'physical_filter', 'instrument', 'exposure.physical_filter', 'visit.physical_filter', 'physical_filter.band',
];
const TIME_COLUMNS = ['exposure.timespan.begin', 'exposure.timespan.end', 'visit.timespan.begin', 'visit.timespan.end', 'day_obs.timespan.begin', 'day_obs.timespan.end'];
const TIMESPANS = ['exposure.timespan', 'visit.timespan', 'day_obs.timespan'];
const STRING_CONSTANTS = [
  ...STRING_POOL.map(quote), "'g'", "'r'", "'z'", "'Cam'", quote("O'Cam"), "'Nope'", "'g_01'", "'r_03'", "'SCIENCE'", "'WAVEFRONT'", "'R22'",
  ':s', 's', ':b', 'b', ':inst',
];

const kw = (word: string): fc.Arbitrary<string> => fc.constantFrom(word, word.toLowerCase(), word[0] + word.slice(1).toLowerCase());
const sp = fc.constantFrom(' ', ' ', '  ', '\n', '\t');

/** A time literal `T'...'` at a grid instant (or 1 ns beside one), in one of the forms LSST reads. */
export const timeLiteral: fc.Arbitrary<{ text: string; tai: bigint }> = fc
  .tuple(fc.integer({ min: -2, max: 22 }), fc.constantFrom(0n, 0n, 0n, 1n, -1n), fc.integer({ min: 0, max: 6 }))
  .map(([j, delta, form]) => {
    const tai = T0 + BigInt(j) * GRID_NS + delta;
    if (delta === 0n && form <= 2) {
      if (form === 0) return { text: `T'mjd/${gridMjdText(j)}/tai'`, tai };
      if (form === 1) return { text: `T'${gridMjdText(j)}'`, tai };
      return { text: `T'MJD/${gridMjdText(j)}/UTC'`, tai: tai + 37_000_000_000n };
    }
    switch (form % 4) {
      case 0: return { text: `T'iso/${isoText(tai, 'tai')}/tai'`, tai };
      case 1: return { text: `T'${isoText(tai, 'utc')}'`, tai };
      case 2: return { text: `T'isot/${isoText(tai, 'utc', 'T')}/utc'`, tai };
      default: return { text: `t'${isoText(tai, 'utc', 'T')}'`, tai };
    }
  });

/** Arbitraries for one set of options. */
export function whereArbitraries(options: WhereGenOptions): { condition: (depth: number) => fc.Arbitrary<string> } {
  /** Every operation has a column on one side (no constant terms). */
  const anchored = !options.constantTerms;
  const intConst: fc.Arbitrary<Num> = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: -3, max: 13 }).map(String) },
    { weight: 1, arbitrary: fc.constantFrom(':n', 'n', ':m', 'm') },
  ).map((text) => ({ text, type: 'int' as const, col: false, pure: false }));
  const floatConst: fc.Arbitrary<Num> = fc.constantFrom('0.5', '15.0', '30.5', '2.25', '.5', '1e1', '-1.5', '15.', ':f', 'f')
    .map((text) => ({ text, type: 'float' as const, col: false, pure: false }));
  const intCol: fc.Arbitrary<Num> = fc.constantFrom(...INT_COLUMNS).map((text) => ({ text, type: 'int' as const, col: true, pure: true }));
  const floatCol: fc.Arbitrary<Num> = fc.constantFrom(...FLOAT_COLUMNS).map((text) => ({ text, type: 'float' as const, col: true, pure: true }));
  const numLeaf = fc.oneof({ weight: 4, arbitrary: intCol }, { weight: 2, arbitrary: floatCol }, { weight: 3, arbitrary: intConst }, { weight: 1, arbitrary: floatConst });

  /** Whether to generate `l op r` (see the file comment). */
  const pairOk = (l: Num, op: string, r: Num): boolean => {
    if (op === '%' && (l.type !== 'int' || r.type !== 'int')) return false;
    if (!anchored) return true;
    if (!l.col && !r.col) return false;
    if ((!l.col && l.type === 'float' && r.type === 'int') || (!r.col && r.type === 'float' && l.type === 'int')) return false;
    if (op === '/' && l.type === 'int' && r.type === 'int' && !(l.pure && r.pure)) return false;
    // a float constant divisor (`x / NULLIF(?, 0)`) counts as a constant term
    if ((op === '/' || op === '%') && !r.col && r.type === 'float') return false;
    return true;
  };

  const numCache = new Map<number, fc.Arbitrary<Num>>();
  const num = (depth: number): fc.Arbitrary<Num> => {
    const cached = numCache.get(depth);
    if (cached) return cached;
    if (depth === 0) return numLeaf;
    const sub = num(depth - 1);
    const arith = fc.tuple(sub, fc.constantFrom('+', '-', '*', '/', '%'), sub)
      .filter(([l, op, r]) => pairOk(l, op, r))
      .map(([l, op, r]): Num => ({ text: `(${l.text} ${op} ${r.text})`, type: l.type === 'int' && r.type === 'int' ? 'int' : 'float', col: l.col || r.col, pure: l.pure && r.pure }));
    const neg = sub.filter((e) => !anchored || e.col).map((e): Num => ({ ...e, text: `-(${e.text})` }));
    const arb = fc.oneof({ weight: 3, arbitrary: numLeaf }, { weight: 3, arbitrary: arith }, { weight: 1, arbitrary: neg });
    numCache.set(depth, arb);
    return arb;
  };

  const cmpOp = fc.constantFrom('=', '!=', '<', '<=', '>', '>=');
  const numCompare = fc.tuple(num(2), cmpOp, num(2))
    .filter(([l, op, r]) => pairOk(l, op, r))
    .map(([l, op, r]) => `${l.text} ${op} ${r.text}`);

  const inItem = (type: 'int' | 'float'): fc.Arbitrary<string> => type === 'int'
    ? fc.oneof(
      fc.integer({ min: -2, max: 13 }).map(String),
      fc.tuple(fc.integer({ min: -2, max: 10 }), fc.integer({ min: -2, max: 13 })).map(([a, b]) => `${a}..${b}`),
      fc.tuple(fc.integer({ min: -2, max: 10 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 1, max: 4 })).map(([a, b, s]) => `${a}..${b}:${s}`),
      fc.constantFrom(':n', 'n', ':lst', 'lst', 'm'),
      ...(anchored ? [] : [fc.constantFrom('2.5', '3.0', ':f')]),
    )
    : fc.oneof(fc.integer({ min: -1, max: 31 }).map(String), fc.constantFrom('15.0', '30.5', '2.25', ':f', 'flst', ':flst', 'n'));
  const numIn = fc.tuple(num(1), fc.boolean())
    .filter(([operand]) => !anchored || operand.col)
    .chain(([operand, negated]) => fc.array(inItem(operand.type), { minLength: 1, maxLength: 4 })
      .map((items) => `${operand.text} ${negated ? 'NOT IN' : 'IN'} (${items.join(', ')})`));

  const strOps = options.stringOrder ? ['=', '!=', '<', '<=', '>', '>='] : ['=', '!='];
  const strCol = fc.constantFrom(...STRING_COLUMNS);
  const strConst = fc.constantFrom(...STRING_CONSTANTS);
  const strCompare = fc.oneof(
    fc.tuple(strCol, fc.constantFrom(...strOps), strConst, fc.boolean()).map(([c, op, v, flip]) => (flip ? `${v} ${op} ${c}` : `${c} ${op} ${v}`)),
    fc.tuple(strCol, fc.constantFrom(...strOps), strCol).map(([a, op, b]) => `${a} ${op} ${b}`),
    ...(anchored ? [] : [fc.tuple(strConst, fc.constantFrom(...strOps), strConst).map(([a, op, b]) => `${a} ${op} ${b}`)]),
  );
  const strIn = fc.tuple(strCol, fc.boolean(), fc.array(fc.oneof(strConst, fc.constantFrom('slst', ':slst')), { minLength: 1, maxLength: 4 }))
    .map(([c, negated, items]) => `${c} ${negated ? 'NOT IN' : 'IN'} (${items.join(', ')})`);

  const keyAtom = fc.constantFrom(
    'day_obs = 20240101', 'day_obs != 20240101', 'day_obs IN (20240101..20240102)', 'exposure.day_obs = 20240102',
    'visit.day_obs > 20240101', 'instrument = inst', 'instrument IN (inst)', "instrument = 'Cam'",
  );

  const time = timeLiteral.map((t) => t.text);
  const spanOps = fc.constantFrom('<', '<=', '>', '>=');
  const pair = fc.tuple(timeLiteral, timeLiteral)
    .filter(([a, b]) => options.emptyPairs || a.tai < b.tai)
    .map(([a, b]) => `(${a.text}, ${b.text})`);
  const timeAtom = fc.oneof(
    fc.tuple(fc.constantFrom(...TIME_COLUMNS), cmpOp, time, fc.boolean()).map(([c, op, t, flip]) => (flip ? `${t} ${op} ${c}` : `${c} ${op} ${t}`)),
    fc.tuple(fc.constantFrom(...TIME_COLUMNS), cmpOp, fc.constantFrom(...TIME_COLUMNS)).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(fc.constantFrom(...TIMESPANS), spanOps, time, fc.boolean()).map(([s, op, t, flip]) => (flip ? `${t} ${op} ${s}` : `${s} ${op} ${t}`)),
    fc.tuple(fc.constantFrom(...TIMESPANS), kw('OVERLAPS'), time, fc.boolean()).map(([s, o, t, flip]) => (flip ? `${t} ${o} ${s}` : `${s} ${o} ${t}`)),
    fc.tuple(fc.constantFrom(...TIMESPANS), kw('OVERLAPS'), pair).map(([s, o, p]) => `${s} ${o} ${p}`),
    fc.tuple(fc.constantFrom(...TIMESPANS), kw('OVERLAPS'), fc.constantFrom(...TIMESPANS)).map(([a, o, b]) => `${a} ${o} ${b}`),
    ...(anchored ? [] : [fc.tuple(time, cmpOp, time).map(([a, op, b]) => `${a} ${op} ${b}`)]),
  );

  const atom = fc.oneof(
    { weight: 5, arbitrary: numCompare },
    { weight: 2, arbitrary: numIn },
    { weight: 3, arbitrary: strCompare },
    { weight: 1, arbitrary: strIn },
    { weight: 1, arbitrary: keyAtom },
    { weight: 3, arbitrary: timeAtom },
  );

  const boolCache = new Map<number, fc.Arbitrary<string>>();
  const condition = (depth: number): fc.Arbitrary<string> => {
    const cached = boolCache.get(depth);
    if (cached) return cached;
    if (depth === 0) return atom;
    const sub = condition(depth - 1);
    const arb = fc.oneof(
      { weight: 3, arbitrary: atom },
      { weight: 2, arbitrary: fc.tuple(sub, sp, kw('AND'), sp, sub).map(([a, s1, k, s2, b]) => `(${a})${s1}${k}${s2}(${b})`) },
      { weight: 2, arbitrary: fc.tuple(sub, sp, kw('OR'), sp, sub).map(([a, s1, k, s2, b]) => `(${a})${s1}${k}${s2}(${b})`) },
      { weight: 1, arbitrary: fc.tuple(kw('NOT'), sub).map(([k, a]) => `${k} (${a})`) },
      { weight: 1, arbitrary: fc.tuple(atom, fc.constantFrom('=', '!='), atom).map(([a, op, b]) => `(${a}) ${op} (${b})`) },
      // unparenthesized chains lean on the grammar's precedence (the oracle reads the same tree)
      { weight: 1, arbitrary: fc.tuple(atom, kw('AND'), atom, kw('OR'), atom).map(([a, k1, b, k2, c]) => `${a} ${k1} ${b} ${k2} ${c}`) },
    );
    boolCache.set(depth, arb);
    return arb;
  };
  return { condition };
}

/** Dimension sets the property test queries (each holds exposure or visit). */
export const DIMENSION_SETS: readonly (readonly string[])[] = [
  ['exposure', 'detector'], ['visit', 'detector'], ['exposure', 'visit', 'detector'], ['exposure'], ['visit'], ['exposure', 'visit'],
];
