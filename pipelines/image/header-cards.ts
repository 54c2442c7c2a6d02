/**
 * Header helpers for derived images: copy an input header without the cards the FITS
 * writer owns or that no longer describe the pixels, set typed cards, read required numbers.
 */
import { FitsHeader, type FitsCard } from '../../registry/datastore/fits/index.js';
import { ImageError } from './errors.js';
import { MASK_KEYWORDS } from './mask-planes.js';

/** A header value (as FitsHeader.set takes it). */
type FitsValue = string | number | boolean | null;

/** Cards about the data layout that never carry over to a derived image. */
const STRUCTURAL = /^(SIMPLE|XTENSION|BITPIX|NAXIS\d*|EXTEND|PCOUNT|GCOUNT|BSCALE|BZERO|BLANK|CHECKSUM|DATASUM|EXTNAME|END)$/;

/** A copy of `header` without structural cards, `MP_*` cards and the keywords in `drop`. */
export function derivedHeader(header: FitsHeader | undefined, drop: readonly string[] = []): FitsHeader {
  const dropped = new Set([...drop.map((k) => k.toUpperCase()), ...Object.values(MASK_KEYWORDS)]);
  const cards: FitsCard[] = [];
  for (const c of header ?? []) {
    const k = c.keyword.toUpperCase();
    if (c.kind !== 'commentary' && k !== 'COMMENT' && k !== 'HISTORY' && k !== '' && (STRUCTURAL.test(k) || dropped.has(k))) continue;
    cards.push(c);
  }
  return new FitsHeader(cards);
}

/** Sets a real-valued card (written with a decimal point); non-finite values are skipped, since FITS cannot hold them. */
export function setReal(header: FitsHeader, keyword: string, value: number, comment: string): void {
  if (Number.isFinite(value)) header.set(keyword, value, comment, { numberFormat: 'real' });
  else header.delete(keyword);
}

/** Sets an integer card. */
export function setInt(header: FitsHeader, keyword: string, value: number, comment: string): void {
  header.set(keyword, Math.round(value), comment, { numberFormat: 'int' });
}

/** Sets a card of any value. */
export function setValue(header: FitsHeader, keyword: string, value: FitsValue, comment: string): void {
  header.set(keyword, value, comment);
}

/** A numeric keyword: the header's value, else `fallback`; throws {@link ImageError} `IMAGE_HEADER` when neither exists. */
export function headerNumber(header: FitsHeader, keyword: string, fallback?: number): number {
  const v = header.get(keyword);
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  if (fallback !== undefined) return fallback;
  throw new ImageError(`header keyword ${keyword} is ${v === undefined ? 'missing' : `not a number (${JSON.stringify(v)})`}`, 'IMAGE_HEADER');
}

/** A string keyword, trimmed, or undefined. */
export function headerString(header: FitsHeader, keyword: string): string | undefined {
  const v = header.get(keyword);
  return typeof v === 'string' ? v.trim() : undefined;
}
