import { FitsError } from './fits-error.js';

/** Length of one header card ("card image"), in characters. */
export const FITS_CARD_LENGTH = 80;

/**
 * The value of a header card: a string, a number (integer or real), a logical, or `null`
 * for an undefined value (a `=` followed by nothing) and for commentary cards.
 */
export type FitsValue = string | number | boolean | null;

/**
 * One header card, or one logical card that `CONTINUE` cards extend.
 *
 * Invariants: `keyword` is the keyword as written (upper case for standard keywords; a
 * `HIERARCH` keyword is stored without that prefix, e.g. `ESO DET CHIP`). Commentary cards
 * (`COMMENT`, `HISTORY`, a blank keyword, or any card without `= ` in columns 9-10) have
 * `kind: 'commentary'`, `value: null` and their text in `comment`.
 */
export interface FitsCard {
  /** The keyword (columns 1-8, right-trimmed). */
  readonly keyword: string;
  /** The value; `null` when undefined or for commentary cards. */
  readonly value: FitsValue;
  /** The comment (after `/`), or the text of a commentary card; `''` if none. */
  readonly comment: string;
  /**
   * `'commentary'` for cards without a value. Absent means `'value'`, except that
   * `COMMENT`, `HISTORY` and blank keywords are always commentary.
   */
  readonly kind?: 'value' | 'commentary';
  /**
   * How a numeric value is written: `'int'` as an integer, `'real'` always with a decimal
   * point or exponent. Parsed cards record what the file had, so `150.0` stays real; absent
   * means integers below 2^64 are written as integers and everything else as reals.
   */
  readonly numberFormat?: 'int' | 'real';
  /**
   * `true` when the value text is none of the FITS types (complex numbers, an unquoted
   * word in an old file): `value` then holds that text, and it is written back unquoted.
   */
  readonly raw?: boolean;
}

/** Keywords whose cards never carry a value. */
const COMMENTARY_KEYWORDS = new Set(['COMMENT', 'HISTORY', '']);

/** The characters a standard keyword may use (FITS 4.0, section 4.1.2.1). */
const STANDARD_KEYWORD = /^[A-Z0-9_-]{0,8}$/;

/** An integer: optional sign, digits. */
const INTEGER_TEXT = /^[+-]?\d+$/;

/** A real: optional sign, digits with a decimal point, optional E or D exponent. */
const REAL_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[EDed][+-]?\d+)?$/;

/** Printable ASCII, the only characters a header may hold. */
const PRINTABLE = /^[\x20-\x7e]*$/;

/** Width of the fixed-format value field, columns 11-30. */
const FIXED_VALUE_WIDTH = 20;

/** Longest piece of an escaped string that fits on one card with its quotes and `&`. */
const CONTINUE_CHUNK = 67;

/** True if a card with this keyword and kind carries no value. */
function isCommentary(card: FitsCard): boolean {
  return card.kind === 'commentary' || COMMENTARY_KEYWORDS.has(card.keyword);
}

/** Upper-cases a standard keyword for lookups; HIERARCH keywords compare case-insensitively too. */
function normalizeKeyword(keyword: string): string {
  return keyword.trim().toUpperCase();
}

/** Splits the text after a quoted string's closing quote into its comment. */
function commentAfter(rest: string): string {
  const slash = rest.indexOf('/');
  return slash < 0 ? '' : rest.slice(slash + 1).trim();
}

/**
 * Reads a quoted string starting at `text[start] === "'"`; `''` inside is one quote.
 * Returns the string (trailing spaces dropped: the standard makes them insignificant) and
 * the index after the closing quote. A missing closing quote takes the rest of the card.
 */
function readQuoted(text: string, start: number): { value: string; next: number } {
  let out = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === "'") {
      if (text[i + 1] === "'") {
        out += "'";
        i += 2;
        continue;
      }
      return { value: out.trimEnd(), next: i + 1 };
    }
    out += ch;
    i += 1;
  }
  return { value: out.trimEnd(), next: text.length };
}

/** Parses the value-and-comment field (columns 11-80) of a value card. */
function parseValueField(keyword: string, field: string): FitsCard {
  const start = field.search(/\S/);
  if (start >= 0 && field[start] === "'") {
    const { value, next } = readQuoted(field, start);
    return { keyword, value, comment: commentAfter(field.slice(next)) };
  }
  const slash = field.indexOf('/');
  const text = (slash < 0 ? field : field.slice(0, slash)).trim();
  const comment = slash < 0 ? '' : field.slice(slash + 1).trim();
  if (text === '') return { keyword, value: null, comment };
  if (text === 'T') return { keyword, value: true, comment };
  if (text === 'F') return { keyword, value: false, comment };
  if (INTEGER_TEXT.test(text)) return { keyword, value: Number(text), comment, numberFormat: 'int' };
  if (REAL_TEXT.test(text)) {
    return { keyword, value: Number(text.replace(/[Dd]/, 'E')), comment, numberFormat: 'real' };
  }
  // Not a FITS value (complex number, sexagesimal written without quotes...): keep the text.
  return { keyword, value: text, comment, raw: true };
}

/**
 * Parses one 80-character card image (a shorter string is read as if padded with spaces).
 * Never throws: a card that breaks the rules is read as leniently as possible, because raw
 * files from real instruments do break them.
 */
export function parseCard(image: string): FitsCard {
  const keyword = image.slice(0, 8).trim();
  if (keyword === 'HIERARCH') {
    const rest = image.slice(8);
    const eq = rest.indexOf('=');
    if (eq > 0) return parseValueField(rest.slice(0, eq).trim(), rest.slice(eq + 1));
  }
  if (COMMENTARY_KEYWORDS.has(keyword) || image.slice(8, 10) !== '= ') {
    // `CONTINUE` lands here too; FitsHeader.parse joins it to the string it continues.
    return { keyword, value: null, comment: image.slice(8).trimEnd(), kind: 'commentary' };
  }
  return parseValueField(keyword, image.slice(10));
}

/** Formats a real so it always has a decimal point or exponent and round-trips a float64. */
function formatReal(x: number): string {
  if (Object.is(x, -0)) return '-0.0';
  const abs = Math.abs(x);
  // Shortest round-trip digits either way; the exponent form keeps huge or tiny values short.
  const text = abs !== 0 && (abs >= 1e16 || abs < 1e-5) ? x.toExponential() : String(x);
  const e = text.indexOf('e');
  if (e < 0) return text.includes('.') ? text : `${text}.0`;
  let mantissa = text.slice(0, e);
  if (!mantissa.includes('.')) mantissa += '.0';
  const exponent = text.slice(e + 1);
  const sign = exponent.startsWith('-') ? '-' : '+';
  return `${mantissa}E${sign}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`;
}

/**
 * Formats a number as FITS value text: an integer (exact decimal digits, even beyond 2^53)
 * or a real with a decimal point or exponent and enough digits to round-trip a float64.
 * Throws FitsError `FITS_BAD_CARD` for NaN and infinities, which FITS headers cannot hold.
 */
export function formatNumber(value: number, numberFormat?: 'int' | 'real'): string {
  if (!Number.isFinite(value)) {
    throw new FitsError(`cannot write ${value} in a FITS header: only finite numbers exist there`, 'FITS_BAD_CARD');
  }
  const asInt =
    numberFormat === 'int'
      ? Number.isInteger(value)
      : numberFormat === undefined &&
        Number.isInteger(value) &&
        Math.abs(value) < 2 ** 64 &&
        !Object.is(value, -0); // -0 only survives as a real
  // BigInt prints the exact integer: String(2 ** 63) would give 9223372036854776000.
  return asInt ? BigInt(value).toString() : formatReal(value);
}

/** Doubles the quotes of a string value, rejecting characters a header cannot hold. */
function escapeString(keyword: string, value: string): string {
  if (!PRINTABLE.test(value)) {
    throw new FitsError(
      `keyword ${keyword}: string value ${JSON.stringify(value)} has characters outside printable ASCII`,
      'FITS_BAD_CARD',
    );
  }
  return value.replace(/'/g, "''");
}

/** Checks a keyword can be written, and returns the card prefix (columns 1-10, or HIERARCH). */
function keywordPrefix(keyword: string, hasValue: boolean): string {
  if (STANDARD_KEYWORD.test(keyword)) return hasValue ? `${keyword.padEnd(8)}= ` : keyword.padEnd(8);
  if (hasValue && keyword.length > 0 && PRINTABLE.test(keyword) && !keyword.includes('=')) {
    // ESO HIERARCH convention for long or spaced keywords.
    return `HIERARCH ${keyword} = `;
  }
  throw new FitsError(
    `invalid FITS keyword ${JSON.stringify(keyword)}: use up to 8 of A-Z 0-9 - _`,
    'FITS_BAD_CARD',
  );
}

/** Appends ` / comment` to a card start, cut to fit 80 columns, and pads to 80. */
function finishCard(start: string, comment: string): string {
  let card = start;
  if (comment !== '' && card.length + 3 < FITS_CARD_LENGTH) {
    // Comments are informational: cut rather than fail when they are too long.
    const text = PRINTABLE.test(comment) ? comment : comment.replace(/[^\x20-\x7e]/g, '?');
    card = `${card.padEnd(FIXED_VALUE_WIDTH + 10)} / ${text}`.slice(0, FITS_CARD_LENGTH);
  }
  return card.padEnd(FITS_CARD_LENGTH);
}

/** Formats commentary text, one card per 72 characters. */
function formatCommentary(keyword: string, text: string): string[] {
  const prefix = keywordPrefix(keyword, false);
  const clean = PRINTABLE.test(text) ? text : text.replace(/[^\x20-\x7e]/g, '?');
  const width = FITS_CARD_LENGTH - 8;
  const cards: string[] = [];
  for (let i = 0; i === 0 || i < clean.length; i += width) {
    cards.push(`${prefix}${clean.slice(i, i + width)}`.padEnd(FITS_CARD_LENGTH));
  }
  return cards;
}

/** Splits an escaped string into pieces of at most `size`, never inside a doubled quote. */
function chunkEscaped(escaped: string, size: number): string[] {
  const chunks: string[] = [];
  let i = 0;
  while (i < escaped.length) {
    let end = Math.min(i + size, escaped.length);
    // Count the quotes run ending at `end`: an odd count means we would split a '' pair.
    let quotes = 0;
    for (let j = end - 1; j >= i && escaped[j] === "'"; j--) quotes++;
    if (quotes % 2 === 1 && end < escaped.length && escaped[end] === "'") end -= 1;
    chunks.push(escaped.slice(i, end));
    i = end;
  }
  return chunks;
}

/** Formats a string value, with CONTINUE cards when it does not fit one card. */
function formatStringCard(prefix: string, keyword: string, value: string, comment: string): string[] {
  const escaped = escapeString(keyword, value);
  const room = FITS_CARD_LENGTH - prefix.length;
  if (escaped.length + 2 <= room) {
    // Fixed format: at least 8 characters between the quotes, closing quote at or after col 20.
    const quoted = escaped === '' ? "''" : `'${escaped.padEnd(8)}'`;
    return [finishCard(`${prefix}${quoted.padEnd(FIXED_VALUE_WIDTH)}`, comment)];
  }
  if (prefix.length !== 10) {
    throw new FitsError(`HIERARCH keyword ${keyword}: string value too long for one card`, 'FITS_BAD_CARD');
  }
  // Long-string convention (FITS 4.0 section 4.2.1.2): '...&' then CONTINUE '...&' ... '...'.
  const chunks = chunkEscaped(escaped, CONTINUE_CHUNK);
  return chunks.map((chunk, i) => {
    const last = i === chunks.length - 1;
    const start = `${i === 0 ? prefix : 'CONTINUE  '}'${chunk}${last ? '' : '&'}'`;
    return last ? finishCard(start, comment) : start.padEnd(FITS_CARD_LENGTH);
  });
}

/**
 * Formats a card as one or more exact 80-character card images, per the FITS standard:
 * keyword in columns 1-8, `= ` in 9-10; logicals, integers and reals right-justified to
 * column 30; strings quoted from column 11 with at least 8 characters inside the quotes and
 * `''` for a quote; a comment after ` / `. A string too long for one card continues on
 * `CONTINUE` cards; long commentary text takes several cards. A comment that does not fit
 * is cut. Throws FitsError `FITS_BAD_CARD` for an invalid keyword, non-ASCII string values
 * and non-finite numbers.
 */
export function formatCard(card: FitsCard): string[] {
  if (isCommentary(card)) return formatCommentary(card.keyword, card.comment);
  const prefix = keywordPrefix(card.keyword, true);
  const { value } = card;
  if (typeof value === 'string' && !card.raw) return formatStringCard(prefix, card.keyword, value, card.comment);
  let text: string;
  if (value === null) text = '';
  else if (typeof value === 'boolean') text = value ? 'T' : 'F';
  else if (typeof value === 'number') text = formatNumber(value, card.numberFormat);
  else text = value;
  const start = `${prefix}${text.padStart(prefix.length === 10 ? FIXED_VALUE_WIDTH : 0)}`;
  if (start.length > FITS_CARD_LENGTH) {
    throw new FitsError(`keyword ${card.keyword}: value ${text} does not fit on one card`, 'FITS_BAD_CARD');
  }
  return [finishCard(start, card.comment)];
}

/** Options of {@link FitsHeader.set}. */
export interface FitsSetOptions {
  /** See {@link FitsCard.numberFormat}. */
  readonly numberFormat?: 'int' | 'real';
}

/**
 * An ordered list of header cards with keyword look-ups. Order is kept exactly (it matters
 * to people reading headers, and `COMMENT`/`HISTORY` cards are positional). Look-ups are
 * case-insensitive and find the first value card with the keyword. The mandatory structural
 * keywords are part of a header read from a file; `writeFits` replaces them with its own.
 */
export class FitsHeader implements Iterable<FitsCard> {
  readonly #cards: FitsCard[];

  /** Builds a header from cards, kept in order as given (no validation: see {@link add}). */
  constructor(cards: Iterable<FitsCard> = []) {
    this.#cards = [...cards];
  }

  /**
   * Parses card images (each 80 characters; `END` and anything after it is ignored), joining
   * `CONTINUE` cards to the string they extend. Accepts an array of images or one string of
   * concatenated images.
   */
  static parse(images: string | readonly string[]): FitsHeader {
    const list: string[] = [];
    if (typeof images === 'string') {
      for (let i = 0; i < images.length; i += FITS_CARD_LENGTH) list.push(images.slice(i, i + FITS_CARD_LENGTH));
    } else {
      list.push(...images);
    }
    const cards: FitsCard[] = [];
    for (let i = 0; i < list.length; i++) {
      const image = list[i]!;
      if (image.slice(0, 8) === 'END     ' || image.trimEnd() === 'END') break;
      let card = parseCard(image);
      // Long-string convention: a string ending in & continues on the next CONTINUE card.
      while (
        typeof card.value === 'string' &&
        !card.raw &&
        card.value.endsWith('&') &&
        i + 1 < list.length &&
        list[i + 1]!.slice(0, 8) === 'CONTINUE'
      ) {
        const field = list[i + 1]!.slice(8);
        const start = field.search(/\S/);
        if (start < 0 || field[start] !== "'") break;
        const { value, next } = readQuoted(field, start);
        const more = commentAfter(field.slice(next));
        card = {
          ...card,
          value: card.value.slice(0, -1) + value,
          comment: card.comment && more ? `${card.comment} ${more}` : card.comment || more,
        };
        i += 1;
      }
      cards.push(card);
    }
    return new FitsHeader(cards);
  }

  /** The cards, in order. */
  get cards(): readonly FitsCard[] {
    return this.#cards;
  }

  /** Number of (logical) cards. */
  get length(): number {
    return this.#cards.length;
  }

  /** Iterates the cards in order. */
  [Symbol.iterator](): Iterator<FitsCard> {
    return this.#cards[Symbol.iterator]();
  }

  /** Index of the first value card with `keyword`, or -1. */
  #indexOf(keyword: string): number {
    const key = normalizeKeyword(keyword);
    return this.#cards.findIndex((c) => !isCommentary(c) && c.keyword.toUpperCase() === key);
  }

  /** True if a value card with `keyword` exists (even with an undefined value). */
  has(keyword: string): boolean {
    return this.#indexOf(keyword) >= 0;
  }

  /** The first value card with `keyword`. */
  getCard(keyword: string): FitsCard | undefined {
    const i = this.#indexOf(keyword);
    return i < 0 ? undefined : this.#cards[i];
  }

  /** The value of the first card with `keyword`: `undefined` if absent, `null` if undefined. */
  get(keyword: string): FitsValue | undefined {
    return this.getCard(keyword)?.value;
  }

  /** Reads a value of one type; absent or undefined gives `undefined`, another type throws. */
  #typed<T>(keyword: string, type: 'number' | 'string' | 'boolean'): T | undefined {
    const card = this.getCard(keyword);
    if (card === undefined || card.value === null) return undefined;
    // A raw value is text, so getString returns it; as a number or logical it is the wrong type.
    if (typeof card.value !== type) {
      throw new FitsError(
        `header keyword ${keyword} is ${JSON.stringify(card.value)}, not a ${type}`,
        'FITS_TYPE',
      );
    }
    return card.value as T;
  }

  /** The numeric value of `keyword`; throws FitsError `FITS_TYPE` if it is not a number. */
  getNumber(keyword: string): number | undefined {
    return this.#typed<number>(keyword, 'number');
  }

  /** The string value of `keyword`; throws FitsError `FITS_TYPE` if it is not a string. */
  getString(keyword: string): string | undefined {
    return this.#typed<string>(keyword, 'string');
  }

  /** The logical value of `keyword`; throws FitsError `FITS_TYPE` if it is not a logical. */
  getBoolean(keyword: string): boolean | undefined {
    return this.#typed<boolean>(keyword, 'boolean');
  }

  /**
   * Sets the value of the first card with `keyword`, in place, or appends a card. Without a
   * `comment` the old comment stays. A real stays real when given a whole number (so
   * `EXPTIME = 150.0` is not rewritten as `150`) unless `options.numberFormat` says otherwise.
   * Throws FitsError `FITS_BAD_CARD` for an invalid keyword or a commentary keyword.
   */
  set(keyword: string, value: FitsValue, comment?: string, options: FitsSetOptions = {}): this {
    const key = normalizeKeyword(keyword);
    if (COMMENTARY_KEYWORDS.has(key)) {
      throw new FitsError(`${key} cards have no value: use addComment/addHistory`, 'FITS_BAD_CARD');
    }
    keywordPrefix(key, true);
    const i = this.#indexOf(key);
    const old = i < 0 ? undefined : this.#cards[i]!;
    const numberFormat =
      typeof value !== 'number'
        ? undefined
        : options.numberFormat ?? (old?.numberFormat === 'real' ? 'real' : undefined);
    const card: FitsCard = {
      keyword: old?.keyword ?? key,
      value,
      comment: comment ?? old?.comment ?? '',
      ...(numberFormat === undefined ? {} : { numberFormat }),
    };
    if (i < 0) this.#cards.push(card);
    else this.#cards[i] = card;
    return this;
  }

  /** Appends a card as given (duplicates allowed). Throws FitsError `FITS_BAD_CARD` for a bad keyword. */
  add(card: FitsCard): this {
    keywordPrefix(card.keyword, !isCommentary(card));
    this.#cards.push(card);
    return this;
  }

  /** Appends a `COMMENT` card. */
  addComment(text: string): this {
    return this.add({ keyword: 'COMMENT', value: null, comment: text, kind: 'commentary' });
  }

  /** Appends a `HISTORY` card. */
  addHistory(text: string): this {
    return this.add({ keyword: 'HISTORY', value: null, comment: text, kind: 'commentary' });
  }

  /** Removes every value card with `keyword`; returns how many were removed. */
  delete(keyword: string): number {
    const key = normalizeKeyword(keyword);
    const before = this.#cards.length;
    const kept = this.#cards.filter((c) => isCommentary(c) || c.keyword.toUpperCase() !== key);
    this.#cards.splice(0, this.#cards.length, ...kept);
    return before - kept.length;
  }

  /** The texts of the commentary cards with `keyword` (`COMMENT` by default), in order. */
  commentary(keyword = 'COMMENT'): string[] {
    const key = normalizeKeyword(keyword);
    return this.#cards.filter((c) => isCommentary(c) && c.keyword === key).map((c) => c.comment);
  }

  /** Keywords of the value cards, in order (duplicates kept). */
  keywords(): string[] {
    return this.#cards.filter((c) => !isCommentary(c)).map((c) => c.keyword);
  }

  /** An independent copy (cards are immutable, so a shallow copy suffices). */
  clone(): FitsHeader {
    return new FitsHeader(this.#cards);
  }

  /** The header as 80-character card images, without `END`. */
  toCardImages(): string[] {
    return this.#cards.flatMap(formatCard);
  }

  /** The card images, one per line, for people. */
  toString(): string {
    return this.toCardImages().join('\n');
  }
}
