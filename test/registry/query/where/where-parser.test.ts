import { describe, expect, it } from 'vitest';
import { formatWhere, parseWhere, type WhereNode } from '../../../../registry/query/where/index.js';
import { allNodes, sexpr, stripSpans } from './where-helpers.js';

function parsed(expression: string): WhereNode {
  const node = parseWhere(expression);
  if (node === null) throw new Error(`'${expression}' parsed to null`);
  return node;
}

describe('parseWhere: golden parses', () => {
  const goldens: ReadonlyArray<readonly [string, string]> = [
    // LSST-style expressions
    ["instrument='HSC' AND visit IN (1..10:2, 20) AND detector != 9",
      '(AND (AND (= instrument "HSC") (IN visit [1..10:2 20])) (!= detector 9))'],
    ["visit.timespan OVERLAPS (T'2024-01-01', T'2024-01-02')",
      "(OVERLAPS visit.timespan (tuple T'2024-01-01' T'2024-01-02'))"],
    ['visit.region OVERLAPS CIRCLE(150.0, 2.0, 0.1)', '(OVERLAPS visit.region (CIRCLE 150f 2f 0.1f))'],
    ['band = b', '(= band b)'],
    ["instrument = 'HSC' AND exposure.observation_type = 'science'",
      '(AND (= instrument "HSC") (= exposure.observation_type "science"))'],
    ["skymap = 'hsc_rings_v1' AND tract = 9813 AND patch IN (40, 41)",
      '(AND (AND (= skymap "hsc_rings_v1") (= tract 9813)) (IN patch [40 41]))'],
    ['visit > 100 AND visit < 200', '(AND (> visit 100) (< visit 200))'],
    ['detector NOT IN (9, 0..3)', '(NOT-IN detector [9 0..3:1])'],
    ["visit.timespan.begin > T'2024-01-01T00:00:00'", "(> visit.timespan.begin T'2024-01-01T00:00:00')"],
    ['exposure.exposure_time * 2 >= 30.0', '(>= (* exposure.exposure_time 2) 30f)'],
    ["detector.purpose = 'SCIENCE' AND band = :band", '(AND (= detector.purpose "SCIENCE") (= band :band))'],
    ['visit.region OVERLAPS POINT(10.5, -3)', '(OVERLAPS visit.region (POINT 10.5f -3))'],
    ['visit.region OVERLAPS BOX(10, 20, 1.5, 2.5)', '(OVERLAPS visit.region (BOX 10 20 1.5f 2.5f))'],
    ['visit.region OVERLAPS POLYGON(0, 0, 1, 0, 1, 1)', '(OVERLAPS visit.region (POLYGON 0 0 1 0 1 1))'],
    ['visit.region OVERLAPS circle(:ra, :dec, 0.5 * 2)', '(OVERLAPS visit.region (CIRCLE :ra :dec (* 0.5f 2)))'],
    ["visit.timespan OVERLAPS T'60310.5'", "(OVERLAPS visit.timespan T'60310.5')"],
    ["visit.timespan OVERLAPS (:t0, T'mjd/60311/tai' + 1)", "(OVERLAPS visit.timespan (tuple :t0 (+ T'mjd/60311/tai' 1)))"],
    ["dataset_id = UUID('A1B2C3D4-E5F6-47A8-9B0C-D1E2F3A4B5C6')", '(= dataset_id uuid:a1b2c3d4-e5f6-47a8-9b0c-d1e2f3a4b5c6)'],
    ["id IN (uuid('a1b2c3d4e5f647a89b0cd1e2f3a4b5c6'), :other)", '(IN id [uuid:a1b2c3d4-e5f6-47a8-9b0c-d1e2f3a4b5c6 :other])'],
    ["x IN (-3..-1, 1..5, 7..9:2, 1.5, -2.5, 'g', T'2024-01-01', :b, c, -7)",
      "(IN x [-3..-1:1 1..5:1 7..9:2 1.5f -2.5f \"g\" T'2024-01-01' :b c -7])"],
    ['x IN (1 .. 10 : 3)', '(IN x [1..10:3])'],
    // precedence, as LSST's grammar behaves (see where-parser.ts)
    ['a OR b AND c', '(OR a (AND b c))'],
    ['a AND b OR c AND d', '(OR (AND a b) (AND c d))'],
    ['a OR b OR c', '(OR (OR a b) c)'],
    ['NOT a = 1', '(NOT (= a 1))'],
    ['NOT a AND b', '(AND (NOT a) b)'],
    ['NOT a OR b', '(OR (NOT a) b)'],
    ['a AND NOT b OR c', '(OR (AND a (NOT b)) c)'],
    ['NOT NOT a', '(NOT (NOT a))'],
    ['NOT a IN (1)', '(NOT (IN a [1]))'],
    ['NOT a OVERLAPS b', '(NOT (OVERLAPS a b))'],
    ['(NOT a) = 1', '(= (NOT a) 1)'],
    ['a = b < c', '(< (= a b) c)'],
    ['a < b = c', '(= (< a b) c)'],
    ['a OVERLAPS b = c', '(= (OVERLAPS a b) c)'],
    ['a = b OVERLAPS c', '(OVERLAPS (= a b) c)'],
    ['a = 1 = 2', '(= (= a 1) 2)'],
    ['a = b IN (1)', '(= a (IN b [1]))'],
    ['a + 1 IN (2, 3)', '(IN (+ a 1) [2 3])'],
    ['a * 2 NOT IN (2, 3)', '(NOT-IN (* a 2) [2 3])'],
    ['1 + 2 * 3 - 4 % 5', '(- (+ 1 (* 2 3)) (% 4 5))'],
    ['2 - 3 - 4', '(- (- 2 3) 4)'],
    ['a / b / c', '(/ (/ a b) c)'],
    ['a / b * c % d', '(% (* (/ a b) c) d)'],
    ['a - b + c', '(+ (- a b) c)'],
    ['a < b + c * d', '(< a (+ b (* c d)))'],
    ['(a OR b) AND c', '(AND (OR a b) c)'],
    ['a * (b + c)', '(* a (+ b c))'],
    ['-a * b', '(* (neg a) b)'],
    ['-(a * b)', '(neg (* a b))'],
    ['- - a', '(neg (neg a))'],
    ['--a', '(neg (neg a))'],
    // numbers and signs
    ['-5 * b', '(* -5 b)'],
    ['a - -5', '(- a -5)'],
    ['a-5', '(- a 5)'],
    ['a - - 5', '(- a -5)'],
    ['-(5)', '(neg 5)'],
    ['- -5', '(neg -5)'],
    ['+5 = x', '(= 5 x)'],
    ['x = -.5', '(= x -0.5f)'],
    ['x = 1.', '(= x 1f)'],
    ['x = 1e3', '(= x 1000f)'],
    ['x = .5e-2', '(= x 0.005f)'],
    ['x = 1.5E+2', '(= x 150f)'],
    ['x = 007', '(= x 7)'],
    ['x = -0.0', '(= x -0f)'],
    ['x = 9223372036854775807', '(= x 9223372036854775807)'],
    ['x = -9223372036854775808', '(= x -9223372036854775808)'],
    // keywords are case-insensitive; identifiers keep their case
    ['a and b Or not c', '(OR (AND a b) (NOT c))'],
    ['x nOt In (1) AND y overlaps z', '(AND (NOT-IN x [1]) (OVERLAPS y z))'],
    ['Visit = 1', '(= Visit 1)'],
    ["band = t'2024-01-01'", "(= band T'2024-01-01')"],
    // names that look like keywords or functions
    ['a.and = 1', '(= a.and 1)'],
    ['in_band = 1 AND notes = 2 AND order = 3', '(AND (AND (= in_band 1) (= notes 2)) (= order 3))'],
    ['point = 1', '(= point 1)'],
    ['T = 1', '(= T 1)'],
    ['uuid = 1', '(= uuid 1)'],
    // parentheses leave no node
    ['((a))', 'a'],
    ['(a = 1)', '(= a 1)'],
    ['((a, b))', '(tuple a b)'],
    ['(a = 1, b OR c)', '(tuple (= a 1) (OR b c))'],
    // whitespace of every kind
    ['\n\tvisit\r\n=\t12  ', '(= visit 12)'],
  ];
  for (const [expression, expected] of goldens) {
    it(expression.replace(/\s+/g, ' '), () => {
      expect(sexpr(parseWhere(expression))).toBe(expected);
    });
  }
});

describe('parseWhere: empty means no constraint', () => {
  it.each(['', ' ', '\n\t \r\n'])('%j → null', (text) => {
    expect(parseWhere(text)).toBeNull();
  });
  it('formatWhere(null) is empty', () => {
    expect(formatWhere(null)).toBe('');
  });
});

describe('parseWhere: spans', () => {
  it('covers each node exactly', () => {
    const node = parsed('visit = 12');
    expect(node).toEqual({
      kind: 'Binary', op: '=', span: { start: 0, end: 10 },
      left: { kind: 'Identifier', name: 'visit', parts: ['visit'], span: { start: 0, end: 5 } },
      right: { kind: 'IntLiteral', value: 12n, span: { start: 8, end: 10 } },
    });
  });

  it('widens a parenthesized node to cover its parentheses', () => {
    const node = parsed('(a + b) * c');
    expect(node.span).toEqual({ start: 0, end: 11 });
    expect(node.kind === 'Binary' && node.left.span).toEqual({ start: 0, end: 7 });
  });

  it('covers the sign of a folded negative literal and the operator of a unary node', () => {
    const node = parsed('x = - 5');
    expect(node.kind === 'Binary' && node.right).toMatchObject({ kind: 'IntLiteral', value: -5n, span: { start: 4, end: 7 } });
    expect(parsed('NOT  a').span).toEqual({ start: 0, end: 6 });
  });

  it('covers IN lists, ranges, tuples, regions, UUIDs and time literals', () => {
    const text = "v IN (1..3:2, x) AND r OVERLAPS CIRCLE(1, 2, 3) AND t OVERLAPS (T'60310', 2) AND id = UUID('00000000-0000-0000-0000-000000000000')";
    const slices = allNodes(parsed(text)).map((n) => text.slice(n.span.start, n.span.end));
    expect(slices).toContain('v IN (1..3:2, x)');
    expect(slices).toContain('1..3:2');
    expect(slices).toContain('CIRCLE(1, 2, 3)');
    expect(slices).toContain("(T'60310', 2)");
    expect(slices).toContain("T'60310'");
    expect(slices).toContain("UUID('00000000-0000-0000-0000-000000000000')");
  });

  it('gives every node a slice that parses to the node itself', () => {
    const text = "instrument='HSC' AND (visit IN (1..10:2, 20) OR NOT detector != -9) AND x * (y + -z) OVERLAPS (T'2024-01-01', :e)";
    for (const n of allNodes(parsed(text))) {
      if (n.kind === 'Range') continue;
      expect(stripSpans(parseWhere(text.slice(n.span.start, n.span.end)))).toEqual(stripSpans(n));
    }
  });
});

describe('parseWhere: trees are frozen', () => {
  it('freezes nodes, spans and arrays', () => {
    const node = parsed("a IN (1, 2) AND CIRCLE(1, 2, 3) OVERLAPS (x.y.z, 'q')");
    for (const n of allNodes(node)) {
      expect(Object.isFrozen(n)).toBe(true);
      expect(Object.isFrozen(n.span)).toBe(true);
      if (n.kind === 'InList') expect(Object.isFrozen(n.items)).toBe(true);
      if (n.kind === 'Region') expect(Object.isFrozen(n.args)).toBe(true);
      if (n.kind === 'Tuple') expect(Object.isFrozen(n.items)).toBe(true);
      if (n.kind === 'Identifier') expect(Object.isFrozen(n.parts)).toBe(true);
    }
  });
});

describe('formatWhere: canonical text', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ["instrument='HSC' and visit in (1..10:2, 20) AND detector!=9", "instrument = 'HSC' AND visit IN (1..10:2, 20) AND detector != 9"],
    ['a OR (b AND c)', 'a OR b AND c'],
    ['(a OR b) AND c', '(a OR b) AND c'],
    ['a - (b - c)', 'a - (b - c)'],
    ['(a - b) - c', 'a - b - c'],
    ['NOT (a = 1)', 'NOT a = 1'],
    ['(NOT a) = 1', '(NOT a) = 1'],
    ['-(5)', '-(5)'],
    ['- -5', '-(-5)'],
    ['- - a', '- -a'],
    ['x = 5.0', 'x = 5.0'],
    ['x = 1e21', 'x = 1e+21'],
    ["s = 'it''s'", "s = 'it''s'"],
    ["t = t'iso/2024-01-01 00:00:00/tai'", "t = T'iso/2024-01-01 00:00:00/tai'"],
    ['x IN (1..5:1)', 'x IN (1..5)'],
    ['r overlaps polygon(0,0, 1,0, 1,1)', 'r OVERLAPS POLYGON(0, 0, 1, 0, 1, 1)'],
    ['a = (b = c)', 'a = (b = c)'],
    ['(a = b) = c', 'a = b = c'],
    ['a  in  ( 1 )', 'a IN (1)'],
    ['(a IN (1)) IN (2)', '(a IN (1)) IN (2)'],
  ];
  for (const [input, canonical] of cases) {
    it(`${input} → ${canonical}`, () => {
      const node = parseWhere(input);
      expect(formatWhere(node)).toBe(canonical);
      expect(stripSpans(parseWhere(canonical))).toEqual(stripSpans(node));
    });
  }

  it('prints a 20000-term OR chain without exhausting the stack', () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `visit = ${i}`).join(' OR ');
    expect(formatWhere(parseWhere(text))).toBe(text);
  });
});
