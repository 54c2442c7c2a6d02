import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../../../registry/errors.js';
import { parseWhere, WhereSyntaxError } from '../../../../registry/query/where/index.js';

function syntaxError(expression: string): WhereSyntaxError {
  try {
    parseWhere(expression);
  } catch (e) {
    if (e instanceof WhereSyntaxError) return e;
    throw e;
  }
  throw new Error(`expected '${expression}' to fail`);
}

/** The caret line of `format()`: the column under which the caret stands. */
function caretColumn(error: WhereSyntaxError): number {
  return error.format().split('\n')[1]!.indexOf('^');
}

describe('WhereSyntaxError', () => {
  it('formats the example from the spec exactly', () => {
    const error = syntaxError("visit = 12 AND AND band='g'");
    expect(error.format("visit = 12 AND AND band='g'")).toBe(
      "visit = 12 AND AND band='g'\n" +
      '               ^\n' +
      'unexpected AND: expected an expression',
    );
    expect(error.position).toBe(15);
  });

  it('is a RegistryError with a stable code', () => {
    const error = syntaxError('a =');
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.code).toBe('WHERE_SYNTAX');
    expect(error.name).toBe('WhereSyntaxError');
  });

  it('shows only the offending line, with its number, for multi-line expressions', () => {
    const text = "visit = 1 AND\n  band = = 'g'";
    const error = syntaxError(text);
    expect(error.position).toBe(text.indexOf('= =') + 2);
    expect(error.format()).toBe("  band = = 'g'\n         ^\nline 2, column 10: unexpected '=': expected an expression");
  });

  it('keeps tabs in the caret line so the caret lines up', () => {
    const error = syntaxError('\tvisit\t= ;');
    expect(error.format()).toBe('\tvisit\t= ;\n\t     \t  ^\nunexpected character \';\'');
  });

  it('puts the caret one past the end when the expression ends too early', () => {
    const error = syntaxError('visit =');
    expect(error.position).toBe(7);
    expect(caretColumn(error)).toBe(7);
    expect(error.message).toBe('unexpected end of expression: expected an expression');
  });
});

describe('parseWhere: malformed input points at the exact character', () => {
  // [expression, position, message pattern]
  const cases: ReadonlyArray<readonly [string, number, RegExp]> = [
    // unexpected tokens
    ['visit = 12 AND AND band=\'g\'', 15, /^unexpected AND: expected an expression$/],
    ['a AND', 5, /^unexpected end of expression: expected an expression$/],
    ['NOT', 3, /unexpected end of expression/],
    ['OR a', 0, /^unexpected OR: expected an expression$/],
    ['visit = 12 band = 1', 11, /^unexpected identifier 'band': expected an operator or the end of the expression$/],
    ['a = 1)', 5, /^unexpected '\)': no '\(' to close$/],
    ['()', 1, /^unexpected '\)': expected an expression inside \(\)$/],
    ['a = NOT b', 4, /^unexpected NOT: expected an expression \(NOT negates a whole comparison/],
    ['a NOT b', 6, /^unexpected identifier 'b': expected IN after NOT$/],
    ['a NOT', 5, /^unexpected end of expression: expected IN after NOT$/],
    ['a IN 1', 5, /^unexpected number 1: expected '\(' after IN$/],
    ['a NOT IN x', 9, /expected '\(' after NOT IN/],
    ['a IN ()', 6, /an IN list needs at least one value/],
    ['a IN (1 2)', 8, /^unexpected number 2: expected ',' or '\)'$/],
    ['a IN (a + 1)', 8, /^unexpected '\+': expected ',' or '\)'$/],
    ['a IN (b.c)', 6, /dotted name can't be an IN value/],
    ['a IN (POINT(1, 2))', 6, /only UUID\(\.\.\.\) may be called here/],
    ['a IN (,)', 6, /^unexpected ',': expected a literal, a bind parameter or a range/],
    ['a IN (-x)', 7, /expected a number after '-'/],
    ['a = 1..5', 5, /^unexpected '\.\.': .*\(ranges a\.\.b belong inside IN \(\.\.\.\)\)$/],
    ['a IN (1.5..3)', 6, /^a range bound must be an integer$/],
    ['a IN (1..3.5)', 9, /^a range bound must be an integer$/],
    ['a IN (1..x)', 9, /expected an integer range end/],
    ['a IN (1..5:0)', 11, /^a range stride must be a positive integer$/],
    ['a IN (1..5:-1)', 11, /expected a positive integer stride/],
    ['a IN (1..5:x)', 11, /expected a positive integer stride/],
    ['a = :', 4, /^unexpected ':': expected an expression \(a bind parameter is written :name\)$/],
    ['(a, b, c)', 5, /^a tuple has exactly two items: \(begin, end\)$/],
    ['(a, b c)', 6, /expected '\)' to end the pair/],
    ['+a', 0, /^unary '\+' may only precede a number$/],
    ['a * / b', 4, /^unexpected '\/': expected an expression$/],
    ['visit.region(1)', 12, /^unexpected '\(': expected an operator or the end of the expression$/],
    // functions
    ['foo(1)', 0, /^unknown function 'foo' \(known: UUID, POINT, CIRCLE, BOX, POLYGON\)$/],
    ['r OVERLAPS CIRCLE(1, 2)', 11, /^CIRCLE takes 3 arguments \(ra, dec, radius_deg\), got 2$/],
    ['r OVERLAPS point()', 11, /^POINT takes 2 arguments \(ra, dec\), got 0$/],
    ['r OVERLAPS BOX(1, 2, 3)', 11, /^BOX takes 4 arguments/],
    ['r OVERLAPS POLYGON(1, 2, 3, 4, 5, 6, 7)', 11, /^POLYGON takes an even number of arguments, at least 6 .*got 7$/],
    ['r OVERLAPS POLYGON(1, 2, 3, 4)', 11, /got 4$/],
    ['r OVERLAPS CIRCLE(1, 2, 3', 17, /^unclosed parenthesis: no '\)' matches this '\('$/],
    ['r OVERLAPS CIRCLE(1 2)', 20, /expected ',' or '\)'/],
    ["id = UUID('xyz')", 10, /^bad UUID 'xyz': expected 32 hex digits/],
    ["id = UUID('a1b2c3d4-e5f6-47a8-9b0c-d1e2f3a4b5c')", 10, /^bad UUID/],
    ['id = UUID(1)', 10, /takes one string/],
    ['id = UUID()', 10, /takes one string/],
    ["id = UUID('a', 'b')", 10, /takes one string/],
    // unclosed parentheses point at the opening one
    ['(a = 1 AND (b = 2)', 0, /^unclosed parenthesis/],
    ['a = (1 + 2', 4, /^unclosed parenthesis/],
    ['a AND (b OR (c', 12, /^unclosed parenthesis/],
    ['a IN (1, 2', 5, /^unclosed parenthesis/],
    ['(a, b', 0, /^unclosed parenthesis/],
    ["id = UUID('00000000-0000-0000-0000-000000000000'", 9, /^unclosed parenthesis/],
    // strings and time literals
    ["band = 'g", 7, /^unterminated string: no closing quote$/],
    ["band = 'it''s", 7, /^unterminated string/],
    ["band = '''' AND x = 'a", 20, /^unterminated string/],
    ["t > T'2024-01-01", 4, /^unterminated time literal: no closing quote$/],
    ["t > T'bogus'", 4, /^bad time literal T'bogus': 'bogus' is neither an ISO date-time .* nor an MJD number$/],
    ["t > T'2024-13-01'", 4, /^bad time literal T'2024-13-01': '2024-13-01' is not a valid calendar time$/],
    ["t > T'2023-02-29'", 4, /not a valid calendar date/],
    ["t > T'2024-01-01 25:00:00'", 4, /not a valid calendar time/],
    ["t > T'1960-01-01'", 4, /UTC times before 1972 are not supported/],
    ["t > T'jd/2451545.0'", 4, /unsupported time format 'jd' \(qg reads iso, isot and mjd\)/],
    ["t > T'2024-01-01/tt'", 4, /unsupported time scale 'tt' \(qg reads tai and utc\)/],
    ["t > T'mjd/2024-01-01'", 4, /'2024-01-01' is not an MJD number/],
    ["t > T'iso/60310.5'", 4, /'60310.5' is not an ISO date-time/],
    ["t > T'iso/2024-01-01T00:00:00'", 4, /format iso separates date and time with a space; use isot/],
    ["t > T'isot/2024-01-01 00:00:00'", 4, /format isot separates date and time with 'T'; use iso/],
    ["t > T''", 4, /the time value is empty/],
    ["t > T'a/b/c/d'", 4, /expected 'value', 'format\/value', 'value\/scale' or 'format\/value\/scale'/],
    // numbers
    ['x = 1.2.3', 4, /^bad number '1\.2\.3'$/],
    ['x = 12abc', 4, /^bad number '12abc'$/],
    ['x = 1e', 4, /^bad number '1e': the exponent has no digits$/],
    ['x = 1e+', 4, /^bad number '1e\+': the exponent has no digits$/],
    ['x = 1.5ex', 4, /^bad number '1\.5ex': the exponent has no digits$/],
    ['x = 1e999', 4, /^bad number '1e999': too large for a float$/],
    ['x = 9223372036854775808', 4, /^bad number '9223372036854775808': outside the 64-bit integer range$/],
    ['x = -9223372036854775809', 4, /^bad number '-9223372036854775809': outside the 64-bit integer range$/],
    ['x IN (99999999999999999999..1)', 6, /outside the 64-bit integer range/],
    // identifiers
    ['visit. = 1', 6, /^bad identifier 'visit\.': expected a name after '\.'$/],
    ['visit.1 = 1', 6, /^bad identifier 'visit\.': expected a name after '\.'$/],
    ['a.b.c.d = 1', 0, /^bad identifier 'a\.b\.c\.d': at most 3 dotted parts/],
    ['.x = 1', 0, /^unexpected character '\.'$/],
    // stray characters, with hints for habits from other languages
    ['x = 1 $ 2', 6, /^unexpected character '\$'$/],
    ['band = "g"', 7, /strings are written in single quotes/],
    ['x == 1', 2, /compare with a single '='/],
    ['x <> 1', 2, /write 'not equal' as !=/],
    ['a && b', 2, /write AND/],
    ['a || b', 2, /write OR/],
    ['!a', 0, /write 'not equal' as != and negation as NOT/],
    ['band = \u2019g\u2019', 7, /^unexpected character U\+2019$/],
    ['band = x\u00a0', 8, /^unexpected character U\+00A0$/],
    ['x = 1 # comment', 6, /^unexpected character '#'$/],
    ['x = [1]', 4, /^unexpected character '\['$/],
  ];
  for (const [expression, position, message] of cases) {
    it(expression, () => {
      const error = syntaxError(expression);
      expect(error.message).toMatch(message);
      expect(error.position).toBe(position);
      expect(caretColumn(error)).toBe(position);
      expect(error.format().split('\n')[0]).toBe(expression);
    });
  }
});

describe('parseWhere: nesting limit', () => {
  it.each([
    ['parentheses', `${'('.repeat(300)}a${')'.repeat(300)}`],
    ['NOT', `${'NOT '.repeat(2000)}a`],
    ['unary minus', `${'- '.repeat(2000)}a`],
    ['function arguments', `${'CIRCLE('.repeat(300)}1${', 1, 1)'.repeat(300)}`],
  ])('rejects absurd nesting of %s with a syntax error, not a stack overflow', (_label, text) => {
    expect(syntaxError(text).message).toMatch(/nested too deeply/);
  });

  it('accepts reasonable nesting', () => {
    expect(parseWhere(`${'('.repeat(100)}a${')'.repeat(100)}`)).not.toBeNull();
  });
});
