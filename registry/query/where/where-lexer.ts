/**
 * Tokens of the --where language, read the way LSST's daf_butler lexer (parserLex.py) reads
 * them, plus `''` escapes inside strings:
 *
 * - whitespace (space, tab, CR, LF) separates tokens and is otherwise ignored; there are no
 *   comments, so `--` is two minus signs;
 * - numbers: `12`, `1.5`, `1.`, `.5`, `1e3`, `1.5e-3`; a number never has a sign (the parser
 *   folds a prefix `-`), and `1..5` is `1`, `..`, `5`;
 * - strings: `'it''s'`; time literals: `T'...'` or `t'...'` (no escapes inside);
 * - identifiers: `[A-Za-z_][A-Za-z0-9_]*`, optionally dotted into 2 or 3 parts with no spaces
 *   around the dots (`visit.timespan.begin`); a one-part identifier that spells AND, OR, NOT, IN
 *   or OVERLAPS in any case is that keyword;
 * - bind parameters `:name`; punctuation `( ) , .. :` and operators `= != < <= > >= + - * / %`.
 *
 * The lexer is pulled by the parser one token at a time, so the first error by position wins.
 */
import { WhereSyntaxError } from './where-syntax-error.js';

/** Reserved words (case-insensitive in the source, upper case here). */
export type WhereKeyword = 'AND' | 'OR' | 'NOT' | 'IN' | 'OVERLAPS';

/** Punctuation and operator tokens. */
export type WherePunctuation =
  | '(' | ')' | ',' | '..' | ':'
  | '=' | '!=' | '<' | '<=' | '>' | '>='
  | '+' | '-' | '*' | '/' | '%';

interface TokenBase {
  /** Offset of the first character. */
  readonly start: number;
  /** Offset just past the last character. */
  readonly end: number;
  /** The source text of the token. */
  readonly text: string;
}

/** One token. `int` values are unsigned and unbounded; the parser range-checks them. */
export type WhereToken =
  | (TokenBase & { readonly type: 'int'; readonly value: bigint })
  | (TokenBase & { readonly type: 'float'; readonly value: number })
  | (TokenBase & { readonly type: 'string'; readonly value: string })
  | (TokenBase & { readonly type: 'time'; readonly value: string })
  | (TokenBase & { readonly type: 'identifier'; readonly parts: readonly string[] })
  | (TokenBase & { readonly type: 'bind'; readonly name: string })
  | (TokenBase & { readonly type: 'keyword'; readonly keyword: WhereKeyword })
  | (TokenBase & { readonly type: 'punct'; readonly punct: WherePunctuation })
  | (TokenBase & { readonly type: 'eof' });

const KEYWORDS: ReadonlySet<string> = new Set(['AND', 'OR', 'NOT', 'IN', 'OVERLAPS']);

/** Identifiers may have at most this many dotted parts (LSST: `element.field.subfield`). */
export const MAX_IDENTIFIER_PARTS = 3;

/** True when `word` (any case) is a reserved word and so cannot be a one-part identifier. */
export function isWhereKeyword(word: string): boolean {
  return KEYWORDS.has(word.toUpperCase());
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isIdentStart = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_');
const isIdentChar = (c: string | undefined): boolean => isIdentStart(c) || isDigit(c);
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/** Describes a character for a message: printable ASCII quoted, anything else as U+XXXX. */
function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  return cp >= 0x21 && cp <= 0x7e ? `'${ch}'` : `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * A pull lexer over one expression. `peek(k)` looks `k` tokens ahead without consuming,
 * `next()` consumes; after the end every call returns the `eof` token (whose `start` is the
 * expression's length). Lexical errors throw {@link WhereSyntaxError}.
 */
export class WhereLexer {
  private pos = 0;
  private readonly buffer: WhereToken[] = [];

  /** @param source the whole expression */
  constructor(readonly source: string) {}

  /** The token `k` places ahead (0 = the next one) without consuming it. */
  peek(k = 0): WhereToken {
    while (this.buffer.length <= k) this.buffer.push(this.scan());
    return this.buffer[k]!;
  }

  /** Consumes and returns the next token. */
  next(): WhereToken {
    const token = this.peek(0);
    if (token.type !== 'eof') this.buffer.shift();
    return token;
  }

  private fail(message: string, position: number): never {
    throw new WhereSyntaxError(message, position, this.source);
  }

  private scan(): WhereToken {
    const s = this.source;
    while (this.pos < s.length && isSpace(s[this.pos]!)) this.pos++;
    const start = this.pos;
    if (start >= s.length) return { type: 'eof', start, end: start, text: '' };
    const c = s[start]!;
    const c1 = s[start + 1];

    if ((c === 'T' || c === 't') && c1 === "'") return this.scanTime(start);
    if (c === "'") return this.scanString(start);
    if (isDigit(c) || (c === '.' && isDigit(c1))) return this.scanNumber(start);
    if (isIdentStart(c)) return this.scanIdentifier(start);
    if (c === ':' && isIdentStart(c1)) {
      let i = start + 1;
      while (isIdentChar(s[i])) i++;
      this.pos = i;
      return { type: 'bind', name: s.slice(start + 1, i), start, end: i, text: s.slice(start, i) };
    }

    const two = s.slice(start, start + 2);
    if (two === '!=' || two === '<=' || two === '>=' || two === '..') return this.punct(two, start, 2);
    if (two === '==') this.fail("unexpected '==': compare with a single '='", start);
    if (two === '<>') this.fail("unexpected '<>': write 'not equal' as !=", start);
    if (two === '&&' || two === '||') this.fail(`unexpected '${two}': write ${two === '&&' ? 'AND' : 'OR'}`, start);
    switch (c) {
      case '(': case ')': case ',': case ':': case '=': case '<': case '>':
      case '+': case '-': case '*': case '/': case '%':
        return this.punct(c, start, 1);
      case '"':
        return this.fail('unexpected character \'"\': strings are written in single quotes', start);
      case '!':
        return this.fail("unexpected character '!': write 'not equal' as != and negation as NOT", start);
      default: {
        const ch = String.fromCodePoint(s.codePointAt(start) ?? 0);
        return this.fail(`unexpected character ${describeChar(ch)}`, start);
      }
    }
  }

  private punct(punct: WherePunctuation, start: number, length: number): WhereToken {
    this.pos = start + length;
    return { type: 'punct', punct, start, end: this.pos, text: punct };
  }

  private scanString(start: number): WhereToken {
    const s = this.source;
    let i = start + 1;
    let value = '';
    for (;;) {
      const q = s.indexOf("'", i);
      if (q < 0) this.fail('unterminated string: no closing quote', start);
      value += s.slice(i, q);
      if (s[q + 1] === "'") {
        value += "'";
        i = q + 2;
        continue;
      }
      this.pos = q + 1;
      return { type: 'string', value, start, end: this.pos, text: s.slice(start, this.pos) };
    }
  }

  private scanTime(start: number): WhereToken {
    const s = this.source;
    const q = s.indexOf("'", start + 2);
    if (q < 0) this.fail('unterminated time literal: no closing quote', start);
    this.pos = q + 1;
    return { type: 'time', value: s.slice(start + 2, q), start, end: this.pos, text: s.slice(start, this.pos) };
  }

  private scanNumber(start: number): WhereToken {
    const s = this.source;
    let i = start;
    let isFloat = false;
    while (isDigit(s[i])) i++;
    // A '.' starts a fraction unless it begins '..' (a range: 1..5).
    if (s[i] === '.' && s[i + 1] !== '.') {
      isFloat = true;
      i++;
      while (isDigit(s[i])) i++;
    }
    if (s[i] === 'e' || s[i] === 'E') {
      const expStart = i;
      i++;
      if (s[i] === '+' || s[i] === '-') i++;
      if (!isDigit(s[i])) {
        const bad = this.badRun(start, Math.max(i, expStart + 1));
        this.fail(`bad number '${bad}': the exponent has no digits`, start);
      }
      while (isDigit(s[i])) i++;
      isFloat = true;
    }
    if (isIdentChar(s[i]) || (s[i] === '.' && s[i + 1] !== '.')) {
      this.fail(`bad number '${this.badRun(start, i)}'`, start);
    }
    const text = s.slice(start, i);
    this.pos = i;
    if (!isFloat) return { type: 'int', value: BigInt(text), start, end: i, text };
    const value = Number(text);
    if (!Number.isFinite(value)) this.fail(`bad number '${text}': too large for a float`, start);
    return { type: 'float', value, start, end: i, text };
  }

  /** The run of number-ish characters from `start` (at least up to `min`), for messages. */
  private badRun(start: number, min: number): string {
    let i = min;
    while (isIdentChar(this.source[i]) || this.source[i] === '.') i++;
    return this.source.slice(start, i);
  }

  private scanIdentifier(start: number): WhereToken {
    const s = this.source;
    const parts: string[] = [];
    let i = start;
    for (;;) {
      const partStart = i;
      while (isIdentChar(s[i])) i++;
      parts.push(s.slice(partStart, i));
      if (s[i] !== '.' || s[i + 1] === '.') break;
      if (!isIdentStart(s[i + 1])) {
        this.fail(`bad identifier '${s.slice(start, i + 1)}': expected a name after '.'`, i + 1);
      }
      i++;
    }
    const text = s.slice(start, i);
    this.pos = i;
    if (parts.length > MAX_IDENTIFIER_PARTS) {
      this.fail(`bad identifier '${text}': at most ${MAX_IDENTIFIER_PARTS} dotted parts (element.field.subfield)`, start);
    }
    if (parts.length === 1 && KEYWORDS.has(text.toUpperCase())) {
      return { type: 'keyword', keyword: text.toUpperCase() as WhereKeyword, start, end: i, text };
    }
    return { type: 'identifier', parts: Object.freeze(parts), start, end: i, text };
  }
}

/** Lexes a whole expression into tokens, ending with one `eof` token (for tests and tools). */
export function tokenizeWhere(source: string): WhereToken[] {
  const lexer = new WhereLexer(source);
  const tokens: WhereToken[] = [];
  for (;;) {
    const token = lexer.next();
    tokens.push(token);
    if (token.type === 'eof') return tokens;
  }
}
