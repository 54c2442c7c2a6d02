import { describe, expect, it } from 'vitest';
import { parseWhere, WhereSyntaxError } from '../../../../registry/query/where/index.js';
import { allNodes, sexpr } from './where-helpers.js';

/** Injection-looking input is either plain data in the tree or a syntax error: never anything
 * that could reach SQL as text (identifiers are only [A-Za-z0-9_.], values become literals). */
describe('SQL-injection-looking input', () => {
  it("keeps band = 'x''; DROP TABLE x; --' as one string literal", () => {
    const node = parseWhere("band = 'x''; DROP TABLE x; --'");
    expect(sexpr(node)).toBe('(= band "x\'; DROP TABLE x; --")');
  });

  it.each([
    ["band = 'g' OR '1'='1'", '(OR (= band "g") (= "1" "1"))'],
    ["band = 'g''--'", '(= band "g\'--")'],
    ["band = 'a;b' AND instrument = 'x\" OR \"1\"=\"1'", '(AND (= band "a;b") (= instrument "x\\" OR \\"1\\"=\\"1"))'],
    ["band = '\\'", '(= band "\\\\")'],
    ["band = '/* */'", '(= band "/* */")'],
    ["band = ''''", '(= band "\'")'],
    ["band = 'x\nDROP TABLE x'", '(= band "x\\nDROP TABLE x")'],
    ['visit = 1 OR 1 = 1', '(OR (= visit 1) (= 1 1))'],
    // no comments in the language: '--' is two minus signs
    ["band = 'g' -- comment", '(= band (- "g" (neg comment)))'],
  ])('%s is data', (text, expected) => {
    expect(sexpr(parseWhere(text))).toBe(expected);
  });

  it.each([
    ['band = x; DROP', 8, "unexpected character ';'"],
    ["band = 'g'; DELETE FROM dataset", 10, "unexpected character ';'"],
    ["band = 'g' /* x */", 12, "unexpected '*': expected an expression"],
    ['"band" = 1', 0, 'unexpected character \'"\': strings are written in single quotes'],
    ['`band` = 1', 0, "unexpected character '`'"],
    ['band[0] = 1', 4, "unexpected character '['"],
    ["band = 'g'\u0000", 10, 'unexpected character U+0000'],
    ["band = 'a\\' OR 1=1 --'", 21, 'unterminated string: no closing quote'],
    ['visit.region; DROP = 1', 12, "unexpected character ';'"],
    ['dataset.id::text = 1', 10, "unexpected ':': expected an operator or the end of the expression"],
    ['visit = :x; DROP', 10, "unexpected character ';'"],
    ['exposure."group" = 1', 9, "bad identifier 'exposure.': expected a name after '.'"],
  ])('%s is a syntax error', (text, position, message) => {
    let error: unknown;
    try {
      parseWhere(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WhereSyntaxError);
    expect((error as WhereSyntaxError).position).toBe(position);
    expect((error as WhereSyntaxError).message).toBe(message);
  });

  it('never lets anything but [A-Za-z0-9_] into identifier parts and bind names', () => {
    const text = "a.b_1.C = :x_2 AND y IN (z, :w) AND q OVERLAPS CIRCLE(r, :s, 1)";
    for (const n of allNodes(parseWhere(text)!)) {
      if (n.kind === 'Identifier') for (const p of n.parts) expect(p).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
      if (n.kind === 'BindParameter') expect(n.name).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
    }
  });
});
