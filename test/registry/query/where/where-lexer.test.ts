import { describe, expect, it } from 'vitest';
import { isWhereKeyword, tokenizeWhere } from '../../../../registry/query/where/index.js';

function show(text: string): string[] {
  return tokenizeWhere(text).map((t) => {
    switch (t.type) {
      case 'int': return `int:${t.value}`;
      case 'float': return `float:${t.value}`;
      case 'string': return `str:${t.value}`;
      case 'time': return `time:${t.value}`;
      case 'identifier': return `id:${t.parts.join('|')}`;
      case 'bind': return `bind:${t.name}`;
      case 'keyword': return t.keyword;
      case 'punct': return t.punct;
      case 'eof': return 'EOF';
    }
  });
}

describe('tokenizeWhere', () => {
  it.each([
    ['visit.timespan.begin', ['id:visit|timespan|begin', 'EOF']],
    ['exposure.exposure_time>=30', ['id:exposure|exposure_time', '>=', 'int:30', 'EOF']],
    ['1..10:2', ['int:1', '..', 'int:10', ':', 'int:2', 'EOF']],
    ['-3..-1', ['-', 'int:3', '..', '-', 'int:1', 'EOF']],
    ['1...5', ['int:1', '..', 'float:0.5', 'EOF']],
    ['.5 1. 1e3 1.5E-2 00', ['float:0.5', 'float:1', 'float:1000', 'float:0.015', 'int:0', 'EOF']],
    ["T'2024-01-01' t'60310' T 'x'", ['time:2024-01-01', 'time:60310', 'id:T', 'str:x', 'EOF']],
    ["'it''s' ''", ["str:it's", 'str:', 'EOF']],
    [':band :_x1', ['bind:band', 'bind:_x1', 'EOF']],
    ['and Or NOT in OverLaps', ['AND', 'OR', 'NOT', 'IN', 'OVERLAPS', 'EOF']],
    ['a.and and.b android', ['id:a|and', 'id:and|b', 'id:android', 'EOF']],
    ['!= <= >= < > = + - * / % ( ) ,', ['!=', '<=', '>=', '<', '>', '=', '+', '-', '*', '/', '%', '(', ')', ',', 'EOF']],
    ['a--b', ['id:a', '-', '-', 'id:b', 'EOF']],
    ['', ['EOF']],
  ] as const)('%j', (text, expected) => {
    expect(show(text)).toEqual(expected);
  });

  it('records offsets and source text', () => {
    const [a, eq, s, eof] = tokenizeWhere("ab = 'x''y'");
    expect([a!.start, a!.end, eq!.start, s!.start, s!.end, eof!.start]).toEqual([0, 2, 3, 5, 11, 11]);
    expect(s!.text).toBe("'x''y'");
  });

  it('keeps int values exact beyond 2^53', () => {
    const [t] = tokenizeWhere('123456789012345678901234567890');
    expect(t!.type === 'int' && t!.value).toBe(123456789012345678901234567890n);
  });

  it('knows its keywords', () => {
    expect(['and', 'OR', 'Not', 'in', 'overlaps'].every(isWhereKeyword)).toBe(true);
    expect(['band', 'point', 'uuid', 'T', 'between'].some(isWhereKeyword)).toBe(false);
  });
});
