import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatWhere, parseWhere, WhereSyntaxError, type WhereNode } from '../../../../registry/query/where/index.js';
import { allNodes, noisyFormat, stripSpans, whereTreeArb } from './where-helpers.js';

/** Runs per property; the total is reported by the closing note of the issue. */
const RUNS = Number(process.env.QG_WHERE_RUNS ?? 3000);

function reparse(text: string): unknown {
  return stripSpans(parseWhere(text));
}

/** Every node's span slices to text that parses back to that node (ranges are not expressions). */
function checkSpans(text: string, tree: WhereNode): void {
  for (const node of allNodes(tree)) {
    if (node.kind === 'Range') {
      expect(text.slice(node.span.start, node.span.end)).toMatch(/^-?\s*\d+\s*\.\.\s*-?\s*\d+(\s*:\s*\d+)?$/);
      continue;
    }
    expect(reparse(text.slice(node.span.start, node.span.end))).toEqual(stripSpans(node));
  }
}

describe('where-language properties', () => {
  it('random tree → formatWhere → parseWhere gives the same tree', () => {
    fc.assert(
      fc.property(whereTreeArb, (tree) => {
        const text = formatWhere(tree);
        expect(reparse(text)).toEqual(stripSpans(tree));
        // canonical text is a fixed point
        expect(formatWhere(parseWhere(text))).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });

  it('fully parenthesized, random-case, random-whitespace text parses to the same tree', () => {
    fc.assert(
      fc.property(whereTreeArb, fc.integer(), (tree, seed) => {
        const text = noisyFormat(tree, seed);
        const parsed = parseWhere(text);
        expect(stripSpans(parsed)).toEqual(stripSpans(tree));
        // and formatting either text gives the same canonical text
        expect(formatWhere(parsed)).toBe(formatWhere(tree));
      }),
      { numRuns: RUNS },
    );
  });

  it('every span covers exactly its node, in canonical and in noisy text', () => {
    fc.assert(
      fc.property(whereTreeArb, fc.integer(), (tree, seed) => {
        for (const text of [formatWhere(tree), noisyFormat(tree, seed)]) {
          const parsed = parseWhere(text)!;
          expect(parsed.span.start).toBe(text.length - text.trimStart().length);
          expect(parsed.span.end).toBe(text.trimEnd().length);
          checkSpans(text, parsed);
        }
      }),
      { numRuns: Math.max(1, Math.floor(RUNS / 3)) },
    );
  });

  it('arbitrary token soup either parses (and round-trips) or fails with a positioned WhereSyntaxError', () => {
    const piece = fc.constantFrom(
      'visit', 'band', 'a.b', 'x.y.z', ' ', ' ', '\n', '(', ')', ',', '=', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%',
      ' AND ', ' or ', ' NOT ', ' IN ', ' overlaps ', "'g'", "''", "'", "T'2024-01-01'", "T'60310.5'", "T'x'", "T'", '12', '1.5',
      '.5', '1e3', '1..5', ':2', ':b', '..', ':', 'CIRCLE(', 'POINT(', 'UUID(', "'00000000-0000-0000-0000-000000000000'",
      ';', '"', '!', '.', '#', '\u00e9', '9223372036854775808',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 25 }).map((xs) => xs.join('')), (text) => {
        let tree: WhereNode | null;
        try {
          tree = parseWhere(text);
        } catch (e) {
          expect(e).toBeInstanceOf(WhereSyntaxError);
          const error = e as WhereSyntaxError;
          expect(error.position).toBeGreaterThanOrEqual(0);
          expect(error.position).toBeLessThanOrEqual(text.length);
          expect(error.format()).toContain('^');
          return;
        }
        if (tree === null) {
          expect(text.trim()).toBe('');
          return;
        }
        expect(reparse(formatWhere(tree))).toEqual(stripSpans(tree));
        checkSpans(text, tree);
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary strings never crash the parser with anything but WhereSyntaxError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        try {
          parseWhere(text);
        } catch (e) {
          expect(e).toBeInstanceOf(WhereSyntaxError);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
