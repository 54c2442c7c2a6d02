import { writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';

import { FitsError } from './fits-error.js';
import { FITS_CARD_LENGTH, FitsHeader, formatCard } from './fits-header.js';
import type { FitsCard, FitsValue } from './fits-header.js';
import { FITS_BLOCK } from './fits-reader.js';
import type { FitsBitpix, FitsPixelArray } from './fits-reader.js';

/**
 * One image HDU to write: the first in the list passed to {@link writeFits} becomes the
 * primary HDU, the others `IMAGE` extensions.
 *
 * The array type decides BITPIX: Uint8Array 8; Int8Array 8 + BZERO -128; Int16Array 16;
 * Uint16Array 16 + BZERO 32768; Int32Array 32; Uint32Array 32 + BZERO 2^31; BigInt64Array
 * 64; BigUint64Array 64 + BZERO 2^63; Float32Array -32; Float64Array -64.
 */
export interface FitsImageInput {
  /** Pixels, fastest axis (NAXIS1, x) first in memory; `null`/absent for a header-only HDU (NAXIS = 0). */
  readonly data?: FitsPixelArray | null;
  /**
   * Axis lengths, slowest first: `[ny, nx]` writes NAXIS1 = nx, NAXIS2 = ny. Defaults to
   * `[data.length]`; `[]` with no data gives NAXIS = 0. The product must equal `data.length`.
   */
  readonly shape?: readonly number[];
  /** EXTNAME; replaces any EXTNAME in `header`. */
  readonly name?: string;
  /**
   * Extra cards (WCS, exposure metadata, COMMENT/HISTORY...), written in order after the
   * structural ones. Structural keywords the writer owns are dropped from it: SIMPLE,
   * XTENSION, BITPIX, NAXIS, NAXISn, EXTEND, PCOUNT, GCOUNT, BSCALE, BZERO, BLANK, and
   * CHECKSUM/DATASUM (which rewriting would invalidate). So a header read by `readFits` can
   * be passed back as it is.
   */
  readonly header?: FitsHeader | Iterable<FitsCard>;
  /**
   * Declares `data` to be stored integers with this scaling (physical = bzero + bscale *
   * stored): BSCALE/BZERO are written and the integers are stored as given. Only for
   * Uint8Array, Int16Array, Int32Array and BigInt64Array.
   */
  readonly scale?: { readonly bscale?: number; readonly bzero?: number };
  /** BLANK: the stored integer that marks undefined pixels. Integer arrays only. */
  readonly blank?: number;
}

/** Keywords the writer computes and so drops from caller headers. */
const OWNED = /^(SIMPLE|XTENSION|BITPIX|NAXIS\d*|EXTEND|PCOUNT|GCOUNT|BSCALE|BZERO|BLANK|CHECKSUM|DATASUM|END)$/;

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** BITPIX, element size and the BZERO of the sign-flip convention, per array type. */
interface Encoding {
  readonly bitpix: FitsBitpix;
  readonly flipBzero?: number;
  readonly scalable: boolean;
}

function encodingOf(data: FitsPixelArray | null | undefined): Encoding {
  if (data === null || data === undefined) return { bitpix: 8, scalable: false };
  if (data instanceof Uint8Array) return { bitpix: 8, scalable: true };
  if (data instanceof Int8Array) return { bitpix: 8, flipBzero: -128, scalable: false };
  if (data instanceof Int16Array) return { bitpix: 16, scalable: true };
  if (data instanceof Uint16Array) return { bitpix: 16, flipBzero: 32768, scalable: false };
  if (data instanceof Int32Array) return { bitpix: 32, scalable: true };
  if (data instanceof Uint32Array) return { bitpix: 32, flipBzero: 2147483648, scalable: false };
  if (data instanceof BigInt64Array) return { bitpix: 64, scalable: true };
  if (data instanceof BigUint64Array) return { bitpix: 64, flipBzero: 9223372036854775808, scalable: false };
  if (data instanceof Float32Array) return { bitpix: -32, scalable: false };
  if (data instanceof Float64Array) return { bitpix: -64, scalable: false };
  throw new FitsError(`cannot write a ${(data as object).constructor.name} as FITS pixels`, 'FITS_BAD_INPUT');
}

/** A value card for the writer's own keywords. */
function card(keyword: string, value: FitsValue, comment = '', numberFormat?: 'int' | 'real'): FitsCard {
  return numberFormat === undefined ? { keyword, value, comment } : { keyword, value, comment, numberFormat };
}

/** An HDU ready to lay out: its header images and the data to encode. */
interface PreparedHdu {
  readonly images: string[];
  readonly data: FitsPixelArray | null;
  readonly encoding: Encoding;
}

/** Checks an input and builds its header cards. */
function prepare(input: FitsImageInput, index: number, total: number): PreparedHdu {
  const where = `HDU ${index}${input.name ? ` (${input.name})` : ''}`;
  const data = input.data ?? null;
  const encoding = encodingOf(data);
  const shape = input.shape ?? (data === null ? [] : [data.length]);
  for (const n of shape) {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new FitsError(`${where}: shape [${shape.join(', ')}] has an axis that is not a non-negative integer`, 'FITS_BAD_INPUT', { hdu: index });
    }
  }
  if (shape.length > 999) throw new FitsError(`${where}: ${shape.length} axes; FITS allows 999`, 'FITS_BAD_INPUT', { hdu: index });
  if (data === null && shape.length > 0) {
    throw new FitsError(`${where}: shape [${shape.join(', ')}] given without data`, 'FITS_BAD_INPUT', { hdu: index });
  }
  if (data !== null) {
    const count = shape.reduce((a, b) => a * b, 1);
    if (shape.length === 0 || count !== data.length) {
      throw new FitsError(
        `${where}: shape [${shape.join(', ')}] holds ${shape.length === 0 ? 0 : count} pixels but data has ${data.length}`,
        'FITS_BAD_INPUT',
        { hdu: index },
      );
    }
  }
  if (input.scale !== undefined && !encoding.scalable) {
    throw new FitsError(`${where}: scale applies to stored integers (Uint8Array, Int16Array, Int32Array, BigInt64Array), not ${data?.constructor.name ?? 'no data'}`, 'FITS_BAD_INPUT', { hdu: index });
  }
  if (input.blank !== undefined && (data === null || encoding.bitpix < 0 || !Number.isInteger(input.blank))) {
    throw new FitsError(`${where}: BLANK must be an integer and needs integer data`, 'FITS_BAD_INPUT', { hdu: index });
  }

  const cards: FitsCard[] = [];
  if (index === 0) cards.push(card('SIMPLE', true, 'conforms to FITS standard'));
  else cards.push(card('XTENSION', 'IMAGE', 'image extension'));
  cards.push(card('BITPIX', encoding.bitpix, 'array data type'));
  cards.push(card('NAXIS', shape.length, 'number of array dimensions'));
  // NAXIS1 is the fastest axis, the last of a slowest-first shape.
  for (let n = 1; n <= shape.length; n++) cards.push(card(`NAXIS${n}`, shape[shape.length - n]!));
  if (index === 0) cards.push(card('EXTEND', true, total > 1 ? 'extensions follow' : 'extensions may follow'));
  else {
    cards.push(card('PCOUNT', 0, 'number of parameters'));
    cards.push(card('GCOUNT', 1, 'number of groups'));
  }
  if (encoding.flipBzero !== undefined) {
    cards.push(card('BSCALE', 1));
    cards.push(card('BZERO', encoding.flipBzero, 'offset data range to that of unsigned'));
  } else if (input.scale !== undefined) {
    cards.push(card('BSCALE', input.scale.bscale ?? 1, '', 'real'));
    cards.push(card('BZERO', input.scale.bzero ?? 0, '', 'real'));
  }
  if (input.blank !== undefined) cards.push(card('BLANK', input.blank, 'stored value of undefined pixels'));
  if (input.name !== undefined) cards.push(card('EXTNAME', input.name, 'extension name'));

  const structural = cards.length;
  const extra = input.header === undefined ? [] : [...input.header];
  for (const c of extra) {
    const key = c.keyword.toUpperCase();
    if (c.kind !== 'commentary' && OWNED.test(key)) continue;
    if (input.name !== undefined && key === 'EXTNAME' && c.kind !== 'commentary') continue;
    cards.push(c);
  }
  const format = (c: FitsCard): string[] => {
    try {
      return formatCard(c);
    } catch (error) {
      if (error instanceof FitsError) throw new FitsError(`${where}: ${error.message}`, error.code, { hdu: index });
      throw error;
    }
  };
  const images = cards.slice(0, structural).flatMap(format);
  const user = cards.slice(structural).flatMap(format);
  if (user.some((c) => c.startsWith('CONTINUE')) && !cards.some((c) => c.keyword.toUpperCase() === 'LONGSTRN')) {
    // Readers (and fitsverify) expect LONGSTRN to announce the CONTINUE convention.
    images.push(...format(card('LONGSTRN', 'OGIP 1.0', 'The OGIP long string convention may be used')));
  }
  images.push(...user, 'END'.padEnd(FITS_CARD_LENGTH));
  return { images, data, encoding };
}

/** Bytes rounded up to whole blocks. */
function padded(bytes: number): number {
  return Math.ceil(bytes / FITS_BLOCK) * FITS_BLOCK;
}

/** Writes `data` big-endian into `out` at `offset`. */
function encodeData(out: Uint8Array, offset: number, data: FitsPixelArray, encoding: Encoding): void {
  const size = Math.abs(encoding.bitpix) / 8;
  const target = out.subarray(offset, offset + data.byteLength);
  target.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  if (LITTLE_ENDIAN_HOST && size > 1) {
    // Native in-place swaps on the output bytes: no per-pixel JavaScript.
    const view = Buffer.from(target.buffer, target.byteOffset, target.byteLength);
    if (size === 2) view.swap16();
    else if (size === 4) view.swap32();
    else view.swap64();
  }
  if (encoding.flipBzero !== undefined) {
    // stored = physical - BZERO, i.e. the top bit flipped: the first byte of each element.
    for (let i = 0; i < target.length; i += size) target[i]! ^= 0x80;
  }
}

/**
 * Encodes image HDUs as a FITS file: a primary HDU (the first input; it may have no data,
 * NAXIS = 0) followed by `IMAGE` extensions. Headers are padded with spaces and data with
 * zeros to multiples of 2880 bytes; data is big-endian. Throws FitsError `FITS_BAD_INPUT`
 * for data that does not match its shape or options, and `FITS_BAD_CARD` for header cards
 * FITS cannot hold.
 */
export function writeFits(hdus: readonly FitsImageInput[]): Uint8Array {
  if (hdus.length === 0) throw new FitsError('writeFits needs at least a primary HDU', 'FITS_BAD_INPUT');
  const prepared = hdus.map((input, i) => prepare(input, i, hdus.length));
  let total = 0;
  for (const p of prepared) total += padded(p.images.length * FITS_CARD_LENGTH) + padded(p.data?.byteLength ?? 0);
  const out = new Uint8Array(total); // zero-filled: data padding is already in place
  let offset = 0;
  for (const p of prepared) {
    const headerBytes = padded(p.images.length * FITS_CARD_LENGTH);
    const header = Buffer.from(out.buffer, out.byteOffset + offset, headerBytes);
    header.fill(0x20);
    header.write(p.images.join(''), 0, 'latin1');
    offset += headerBytes;
    if (p.data !== null && p.data.byteLength > 0) encodeData(out, offset, p.data, p.encoding);
    offset += padded(p.data?.byteLength ?? 0);
  }
  return out;
}

/** Encodes HDUs with {@link writeFits} and writes them to `path`. */
export async function writeFitsFile(path: string, hdus: readonly FitsImageInput[]): Promise<void> {
  await writeFile(path, writeFits(hdus));
}
