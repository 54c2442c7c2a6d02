import { open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';

import { FitsError } from './fits-error.js';
import { FITS_CARD_LENGTH, FitsHeader } from './fits-header.js';

/** Size of a FITS logical record: headers and data units are padded to multiples of it. */
export const FITS_BLOCK = 2880;

/** Cards per header block. */
const CARDS_PER_BLOCK = FITS_BLOCK / FITS_CARD_LENGTH;

/** The BITPIX values FITS defines. */
export type FitsBitpix = 8 | 16 | 32 | 64 | -32 | -64;

const BITPIX_VALUES: readonly number[] = [8, 16, 32, 64, -32, -64];

/**
 * BZERO that marks the unsigned (or, for BITPIX 8, signed) integer convention per BITPIX:
 * physical = stored + BZERO maps the stored two's-complement range onto the other one.
 */
const SIGN_FLIP_BZERO: Readonly<Record<number, number>> = {
  8: -128,
  16: 32768,
  32: 2147483648,
  64: 9223372036854775808,
};

/** Pixel arrays `readFits` returns and `writeFits` accepts. */
export type FitsPixelArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** Where an HDU sits in its file. All offsets are in bytes from the start of the file. */
export interface FitsHduLayout {
  /** Position of the HDU in the file (0 = primary). */
  readonly index: number;
  /** Offset of the first header card. */
  readonly headerOffset: number;
  /** Offset of the data unit (right after the padded header). */
  readonly dataOffset: number;
  /** Size of the data unit without its padding. */
  readonly dataBytes: number;
  /** Offset just past the padded data unit: where the next HDU starts. */
  readonly endOffset: number;
}

/**
 * An image HDU (the primary or an `IMAGE` extension), decoded.
 *
 * `shape` is slowest axis first, like numpy: `[NAXIS2, NAXIS1]` for a 2-D image, so pixel
 * (x, y) (0-based) is `data[y * shape[1] + x]`. `data` is `null` when NAXIS = 0.
 */
export interface FitsImageHdu extends FitsHduLayout {
  /** Discriminant. */
  readonly kind: 'image';
  /** The header as read, structural keywords included. */
  readonly header: FitsHeader;
  /** EXTNAME, if the header has one. */
  readonly name: string | undefined;
  /** BITPIX of the stored data. */
  readonly bitpix: FitsBitpix;
  /** Axis lengths, slowest first (`[NAXISn, ..., NAXIS1]`). */
  readonly shape: readonly number[];
  /** Pixel values (see {@link ReadFitsOptions.scaling} for which array type). */
  readonly data: FitsPixelArray | null;
  /**
   * The BLANK keyword's value when `data` holds integers; in float output the BLANK pixels
   * are already NaN and this is `undefined`.
   */
  readonly blank: number | undefined;
}

/**
 * An HDU we do not decode (BINTABLE, TABLE, random groups, unknown extensions): its header
 * is parsed and its data unit skipped; slice `dataOffset .. dataOffset + dataBytes` of the
 * file for the raw bytes.
 */
export interface FitsRawHdu extends FitsHduLayout {
  /** Discriminant. */
  readonly kind: 'raw';
  /** The XTENSION value (`BINTABLE`, `TABLE`, ...) or `GROUPS` for a random-groups primary. */
  readonly type: string;
  /** The header as read. */
  readonly header: FitsHeader;
  /** EXTNAME, if the header has one. */
  readonly name: string | undefined;
}

/** One HDU of a {@link FitsFile}. */
export type FitsHdu = FitsImageHdu | FitsRawHdu;

/** A FITS file as read: every HDU in file order. */
export class FitsFile {
  /**
   * @param hdus every HDU, the primary first.
   * @param trailingBytes bytes after the last HDU that do not start an extension (FITS
   *   "special records"); 0 for an ordinary file.
   */
  constructor(
    readonly hdus: readonly FitsHdu[],
    readonly trailingBytes: number = 0,
  ) {}

  /** The primary HDU. */
  get primary(): FitsHdu {
    return this.hdus[0]!;
  }

  /** An HDU by index, or by EXTNAME (case-insensitive; the first match). */
  hdu(key: number | string): FitsHdu | undefined {
    if (typeof key === 'number') return this.hdus[key];
    const name = key.trim().toUpperCase();
    return this.hdus.find((h) => h.name?.toUpperCase() === name);
  }

  /** An image HDU by index or EXTNAME; throws FitsError `FITS_NO_HDU` if absent or not an image. */
  image(key: number | string): FitsImageHdu {
    const hdu = this.hdu(key);
    if (hdu?.kind !== 'image') {
      const what = hdu === undefined ? 'no such HDU' : `a ${hdu.type} HDU, not an image`;
      throw new FitsError(`HDU ${JSON.stringify(key)}: ${what}`, 'FITS_NO_HDU');
    }
    return hdu;
  }
}

/** Options of {@link readFits}. */
export interface ReadFitsOptions {
  /**
   * Which values `data` holds:
   * - `'auto'` (default): stored integers as they are when BSCALE = 1 and BZERO = 0; the
   *   sign-flip conventions as integers (BITPIX 8 + BZERO -128 -> Int8Array, 16 + 32768 ->
   *   Uint16Array, 32 + 2^31 -> Uint32Array, 64 + 2^63 -> BigUint64Array); any other
   *   scaling as BZERO + BSCALE * stored with BLANK -> NaN, in a Float32Array for BITPIX 8,
   *   16 and -32, a Float64Array for BITPIX 32, 64 and -64.
   * - `'float'`: always physical values as floats (same array types), BLANK -> NaN.
   * - `'raw'`: the stored values, unscaled (Uint8Array, Int16Array, Int32Array,
   *   BigInt64Array, Float32Array, Float64Array).
   */
  readonly scaling?: 'auto' | 'float' | 'raw';
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Latin-1 text of a byte range (header bytes are ASCII; Latin-1 never fails to decode). */
function text(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

/** Bytes a data unit of `dataBytes` occupies with its padding. */
function padded(dataBytes: number): number {
  return Math.ceil(dataBytes / FITS_BLOCK) * FITS_BLOCK;
}

/** True if `card` (80 characters) is the END card. */
function isEnd(card: string): boolean {
  return card.startsWith('END') && card.slice(3).trim() === '';
}

/**
 * Collects the card images of one header, block by block, and reports what is wrong when
 * the header does not end properly. Shared by the in-memory and the on-disk readers.
 */
class HeaderScan {
  readonly #images: string[] = [];

  constructor(
    readonly index: number,
    readonly offset: number,
  ) {}

  /** Feeds the 2880-byte block at file offset `pos`; returns the header once END is seen. */
  feed(block: string, pos: number): FitsHeader | undefined {
    if (pos === this.offset) this.#checkFirstCard(block);
    for (let c = 0; c < CARDS_PER_BLOCK; c++) {
      const card = block.slice(c * FITS_CARD_LENGTH, (c + 1) * FITS_CARD_LENGTH);
      if (isEnd(card)) return FitsHeader.parse(this.#images);
      // Control characters mean we have run into binary data: END was missing.
      if (/[\x00-\x1f]/.test(card)) {
        throw new FitsError(
          `HDU ${this.index}: header starting at byte ${this.offset} has no END card ` +
            `(binary bytes at byte ${pos + c * FITS_CARD_LENGTH}, after ${this.#images.length} cards)`,
          'FITS_NO_END',
          { hdu: this.index, offset: this.offset },
        );
      }
      this.#images.push(card);
    }
    return undefined;
  }

  /** Reports a file that ends inside this header, at `length`, with `tail` the partial block at `pos`. */
  endOfFile(tail: string, pos: number, length: number): never {
    if (pos === this.offset) this.#checkFirstCard(tail);
    const cards = Math.floor(tail.length / FITS_CARD_LENGTH);
    for (let c = 0; c < cards; c++) {
      if (isEnd(tail.slice(c * FITS_CARD_LENGTH, (c + 1) * FITS_CARD_LENGTH))) {
        throw new FitsError(
          `HDU ${this.index}: header starting at byte ${this.offset} is truncated: its END card ` +
            `is at byte ${pos + c * FITS_CARD_LENGTH} but the file ends at byte ${length}, ` +
            `before the header block ends at byte ${pos + FITS_BLOCK}`,
          'FITS_TRUNCATED',
          { hdu: this.index, offset: pos },
        );
      }
    }
    throw new FitsError(
      `HDU ${this.index}: header starting at byte ${this.offset} has no END card before the ` +
        `end of the file at byte ${length} (${this.#images.length + cards} cards read)`,
      'FITS_NO_END',
      { hdu: this.index, offset: this.offset },
    );
  }

  #checkFirstCard(block: string): void {
    const keyword = block.slice(0, 8);
    if (this.index === 0 && keyword !== 'SIMPLE  ') {
      const found = block.length === 0 ? 'the file is empty' : `it starts with ${JSON.stringify(block.slice(0, 20))}`;
      throw new FitsError(`not a FITS file: no SIMPLE card at byte 0 (${found})`, 'FITS_NO_SIMPLE', {
        hdu: 0,
        offset: 0,
      });
    }
    if (this.index > 0 && keyword !== 'XTENSION') {
      throw new FitsError(
        `HDU ${this.index} at byte ${this.offset}: first card is ${JSON.stringify(keyword.trim())}, not XTENSION`,
        'FITS_BAD_HEADER',
        { hdu: this.index, offset: this.offset },
      );
    }
  }
}

/** What the structural keywords of a header say about its HDU. */
interface HduStructure {
  readonly kind: 'image' | 'raw';
  readonly type: string;
  readonly bitpix: FitsBitpix;
  readonly shape: number[];
  readonly count: number;
  readonly dataBytes: number;
}

/** Reads an integer structural keyword, or throws naming the HDU. */
function structuralInteger(
  header: FitsHeader,
  keyword: string,
  index: number,
  offset: number,
  fallback?: number,
): number {
  const value = header.get(keyword);
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    const what = value === undefined ? 'is missing' : `is ${JSON.stringify(value)}, not a non-negative integer`;
    throw new FitsError(`HDU ${index} at byte ${offset}: ${keyword} ${what}`, 'FITS_BAD_HEADER', {
      hdu: index,
      offset,
    });
  }
  return value;
}

/** Derives the kind, BITPIX, shape and data size of an HDU from its header. */
function describe(header: FitsHeader, index: number, offset: number): HduStructure {
  const bitpix = header.get('BITPIX');
  if (typeof bitpix !== 'number' || !BITPIX_VALUES.includes(bitpix)) {
    const what = bitpix === undefined ? 'BITPIX is missing' : `BITPIX = ${JSON.stringify(bitpix)} is not one of 8, 16, 32, 64, -32, -64`;
    throw new FitsError(`HDU ${index} at byte ${offset}: ${what}`, 'FITS_BITPIX', { hdu: index, offset });
  }
  const naxis = structuralInteger(header, 'NAXIS', index, offset);
  if (naxis > 999) {
    throw new FitsError(`HDU ${index} at byte ${offset}: NAXIS = ${naxis} exceeds 999`, 'FITS_BAD_HEADER', {
      hdu: index,
      offset,
    });
  }
  const axes: number[] = [];
  for (let n = 1; n <= naxis; n++) axes.push(structuralInteger(header, `NAXIS${n}`, index, offset));
  let kind: 'image' | 'raw' = 'image';
  let type = 'IMAGE';
  let pcount = 0;
  let gcount = 1;
  let counted = axes;
  if (index === 0) {
    if (naxis > 0 && axes[0] === 0 && header.get('GROUPS') === true) {
      // Random groups: NAXIS1 = 0 is a marker, the groups hold NAXIS2..n values each.
      kind = 'raw';
      type = 'GROUPS';
      counted = axes.slice(1);
      pcount = structuralInteger(header, 'PCOUNT', index, offset, 0);
      gcount = structuralInteger(header, 'GCOUNT', index, offset, 1);
    }
  } else {
    const xtension = header.get('XTENSION');
    type = typeof xtension === 'string' ? xtension.trim().toUpperCase() : String(xtension);
    if (type !== 'IMAGE') kind = 'raw';
    pcount = structuralInteger(header, 'PCOUNT', index, offset, 0);
    gcount = structuralInteger(header, 'GCOUNT', index, offset, 1);
  }
  const product = counted.length === 0 && kind === 'image' ? 0 : counted.reduce((a, b) => a * b, 1);
  const count = naxis === 0 ? 0 : product;
  const dataBytes = (Math.abs(bitpix) / 8) * gcount * (pcount + count);
  return { kind, type, bitpix: bitpix as FitsBitpix, shape: axes.reverse(), count, dataBytes };
}

/** EXTNAME as a trimmed string, if present. */
function extname(header: FitsHeader): string | undefined {
  const name = header.get('EXTNAME');
  return typeof name === 'string' ? name.trim() : undefined;
}

/** A finite number keyword, or the default. */
function scaleKeyword(header: FitsHeader, keyword: string, fallback: number, index: number): number {
  const value = header.get(keyword);
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number') {
    throw new FitsError(`HDU ${index}: ${keyword} = ${JSON.stringify(value)} is not a number`, 'FITS_BAD_HEADER', {
      hdu: index,
    });
  }
  return value;
}

/** Swaps big-endian elements of `size` bytes to host order, in place. */
function toHostOrder(buf: Uint8Array, size: number): void {
  if (!LITTLE_ENDIAN_HOST || size === 1) return;
  // Buffer's swaps run natively: far faster than a DataView loop on large images.
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (size === 2) view.swap16();
  else if (size === 4) view.swap32();
  else view.swap64();
}

/** A typed view of host-order stored values. */
function storedView(buf: Uint8Array, bitpix: FitsBitpix, flipped: boolean): FitsPixelArray {
  const { buffer, byteOffset } = buf;
  const n = buf.byteLength / (Math.abs(bitpix) / 8);
  switch (bitpix) {
    case 8:
      return flipped ? new Int8Array(buffer, byteOffset, n) : buf;
    case 16:
      return flipped ? new Uint16Array(buffer, byteOffset, n) : new Int16Array(buffer, byteOffset, n);
    case 32:
      return flipped ? new Uint32Array(buffer, byteOffset, n) : new Int32Array(buffer, byteOffset, n);
    case 64:
      return flipped ? new BigUint64Array(buffer, byteOffset, n) : new BigInt64Array(buffer, byteOffset, n);
    case -32:
      return new Float32Array(buffer, byteOffset, n);
    case -64:
      return new Float64Array(buffer, byteOffset, n);
  }
}

/** Decodes an image data unit into the array type that `scaling` asks for. */
function decodeImage(
  bytes: Uint8Array,
  offset: number,
  structure: HduStructure,
  header: FitsHeader,
  index: number,
  scaling: 'auto' | 'float' | 'raw',
): { data: FitsPixelArray; blank: number | undefined } {
  const { bitpix, count } = structure;
  const size = Math.abs(bitpix) / 8;
  // A copy with its own aligned buffer: typed arrays need alignment, and callers own the
  // result. (Not bytes.slice: on a Node Buffer that is a view, and we swap in place.)
  const buf = new Uint8Array(count * size);
  buf.set(bytes.subarray(offset, offset + count * size));
  const bscale = scaleKeyword(header, 'BSCALE', 1, index);
  const bzero = scaleKeyword(header, 'BZERO', 0, index);
  const blankValue = header.get('BLANK');
  const blank = bitpix > 0 && typeof blankValue === 'number' && Number.isInteger(blankValue) ? blankValue : undefined;

  const flip = scaling === 'auto' && bitpix > 0 && bscale === 1 && bzero === SIGN_FLIP_BZERO[bitpix];
  if (flip) {
    // Adding BZERO = 2^(bits-1) to a two's-complement value is flipping its top bit, which
    // sits in the first (most significant) byte of each big-endian element.
    for (let i = 0; i < buf.length; i += size) buf[i]! ^= 0x80;
  }
  toHostOrder(buf, size);
  const stored = storedView(buf, bitpix, flip);
  const identity = bscale === 1 && bzero === 0;
  if (scaling === 'raw' || flip || (scaling === 'auto' && identity) || (bitpix < 0 && identity)) {
    return { data: stored, blank: bitpix > 0 ? blank : undefined };
  }

  const out = bitpix === 8 || bitpix === 16 || bitpix === -32 ? new Float32Array(count) : new Float64Array(count);
  if (stored instanceof BigInt64Array) {
    const big = blank === undefined ? undefined : BigInt(blank);
    for (let i = 0; i < count; i++) {
      const v = stored[i]!;
      out[i] = v === big ? NaN : bzero + bscale * Number(v);
    }
  } else {
    const values = stored as Exclude<FitsPixelArray, BigInt64Array | BigUint64Array>;
    const b = blank ?? NaN; // NaN never equals anything: no BLANK check without BLANK
    for (let i = 0; i < count; i++) {
      const v = values[i]!;
      out[i] = v === b ? NaN : bzero + bscale * v;
    }
  }
  return { data: out, blank: undefined };
}

/**
 * Decodes a whole FITS file held in memory: the primary HDU and every extension. Image HDUs
 * (primary, `IMAGE`) are decoded from big-endian into typed arrays (see
 * {@link ReadFitsOptions.scaling}); other extensions keep their header and layout only.
 *
 * Throws FitsError: `FITS_NO_SIMPLE` (not FITS), `FITS_NO_END` (a header without END),
 * `FITS_TRUNCATED` (a header or data unit, padding included, cut short), `FITS_BAD_SIZE`
 * (extra bytes after the last HDU that are not a whole block), `FITS_BITPIX` and
 * `FITS_BAD_HEADER`. Messages name the HDU index and byte offset.
 */
export function readFits(bytes: Uint8Array, options: ReadFitsOptions = {}): FitsFile {
  const scaling = options.scaling ?? 'auto';
  const length = bytes.length;
  const hdus: FitsHdu[] = [];
  let offset = 0;
  for (let index = 0; ; index++) {
    const scan = new HeaderScan(index, offset);
    let header: FitsHeader | undefined;
    let pos = offset;
    while (header === undefined) {
      if (pos + FITS_BLOCK > length) scan.endOfFile(text(bytes, pos, length), pos, length);
      header = scan.feed(text(bytes, pos, pos + FITS_BLOCK), pos);
      pos += FITS_BLOCK;
    }
    const dataOffset = pos;
    const structure = describe(header, index, offset);
    const endOffset = dataOffset + padded(structure.dataBytes);
    if (endOffset > length) throw truncatedData(index, dataOffset, structure.dataBytes, length);
    const layout = { index, headerOffset: offset, dataOffset, dataBytes: structure.dataBytes, endOffset };
    const name = extname(header);
    if (structure.kind === 'image') {
      const decoded =
        structure.shape.length === 0
          ? { data: null, blank: undefined }
          : decodeImage(bytes, dataOffset, structure, header, index, scaling);
      hdus.push({ kind: 'image', ...layout, header, name, bitpix: structure.bitpix, shape: structure.shape, ...decoded });
    } else {
      hdus.push({ kind: 'raw', ...layout, type: structure.type, header, name });
    }
    offset = endOffset;
    if (offset === length) return new FitsFile(hdus);
    if (length - offset < FITS_BLOCK) throw badSize(index, offset, length);
    if (text(bytes, offset, offset + 8) !== 'XTENSION') {
      // FITS allows "special records" after the last HDU; they must still be whole blocks.
      if ((length - offset) % FITS_BLOCK !== 0) throw badSize(index, offset, length);
      return new FitsFile(hdus, length - offset);
    }
  }
}

/** The error for a data unit that the file does not hold entirely. */
function truncatedData(index: number, dataOffset: number, dataBytes: number, length: number): FitsError {
  const needed = padded(dataBytes);
  const available = length - dataOffset;
  const detail =
    available >= dataBytes
      ? `the ${dataBytes} data bytes are all there but the padding to a multiple of ${FITS_BLOCK} is cut short`
      : `the file holds only ${Math.max(available, 0)} of its ${dataBytes} bytes`;
  return new FitsError(
    `HDU ${index}: data unit at byte ${dataOffset} is truncated: it needs ${needed} bytes (to byte ` +
      `${dataOffset + needed}) but the file ends at byte ${length}; ${detail}`,
    'FITS_TRUNCATED',
    { hdu: index, offset: dataOffset },
  );
}

/** The error for bytes after the last HDU that are not a whole number of blocks. */
function badSize(index: number, offset: number, length: number): FitsError {
  return new FitsError(
    `file size ${length} is not a multiple of ${FITS_BLOCK}: ${length - offset} stray bytes after ` +
      `HDU ${index}, which ends at byte ${offset}`,
    'FITS_BAD_SIZE',
    { hdu: index + 1, offset },
  );
}

/** Re-raises a FitsError with the file's path in front of its message. */
function withPath(error: unknown, path: string): unknown {
  if (!(error instanceof FitsError)) return error;
  return new FitsError(`${path}: ${error.message}`, error.code, { hdu: error.hdu, offset: error.offset, path });
}

/** Reads and decodes a FITS file from disk; see {@link readFits}. Errors carry the path. */
export async function readFitsFile(path: string, options: ReadFitsOptions = {}): Promise<FitsFile> {
  const bytes = await readFile(path);
  try {
    return readFits(bytes, options);
  } catch (error) {
    throw withPath(error, path);
  }
}

/** Options of {@link readFitsHeader}. */
export interface ReadFitsHeaderOptions {
  /** How many extension headers to read after the primary one (default 0; `Infinity` for all). */
  readonly extensions?: number;
  /**
   * Check, from the file's size, that each HDU read has its whole data unit and padding
   * (default true): catches truncated raws at ingest without reading their data.
   */
  readonly checkSize?: boolean;
}

/** Headers read by {@link readFitsHeader}. */
export interface FitsHeaderScan {
  /** The primary header. */
  readonly primary: FitsHeader;
  /** The extension headers read, in file order (fewer than asked if the file has fewer). */
  readonly extensions: readonly FitsHeader[];
  /** Layout of each HDU read, the primary first. */
  readonly layouts: readonly FitsHduLayout[];
  /** Bytes read from disk. */
  readonly bytesRead: number;
  /** The file's size in bytes. */
  readonly fileSize: number;
}

/** Blocks read per call while scanning a header: most headers fit in one read. */
const READ_BLOCKS = 4;

/**
 * Reads the primary header (and optionally the first N extension headers) of a FITS file on
 * disk without reading any data: it reads 2880-byte blocks until END and seeks past data
 * units. Meant for ingesting thousands of raw files. Throws the same FitsErrors as
 * {@link readFits} (with the path in the message and on the error).
 */
export async function readFitsHeader(path: string, options: ReadFitsHeaderOptions = {}): Promise<FitsHeaderScan> {
  const wanted = options.extensions ?? 0;
  const checkSize = options.checkSize ?? true;
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const fileSize = (await handle.stat()).size;
    const buffer = Buffer.alloc(FITS_BLOCK * READ_BLOCKS);
    const headers: FitsHeader[] = [];
    const layouts: FitsHduLayout[] = [];
    let bytesRead = 0;
    let offset = 0;
    for (let index = 0; index <= wanted; index++) {
      if (index > 0) {
        if (offset >= fileSize) break;
        if (checkSize && fileSize - offset < FITS_BLOCK) throw badSize(index - 1, offset, fileSize);
        const { bytesRead: got } = await handle.read(buffer, 0, 8, offset);
        bytesRead += got;
        if (buffer.toString('latin1', 0, got) !== 'XTENSION') break;
      }
      const scan = new HeaderScan(index, offset);
      let header: FitsHeader | undefined;
      let pos = offset;
      while (header === undefined) {
        const { bytesRead: got } = await handle.read(buffer, 0, buffer.length, pos);
        bytesRead += got;
        const blocks = Math.floor(got / FITS_BLOCK);
        for (let b = 0; b < blocks && header === undefined; b++) {
          header = scan.feed(buffer.toString('latin1', b * FITS_BLOCK, (b + 1) * FITS_BLOCK), pos);
          pos += FITS_BLOCK;
        }
        if (header === undefined && blocks < READ_BLOCKS) {
          // A short read means the file ends inside this header.
          scan.endOfFile(buffer.toString('latin1', blocks * FITS_BLOCK, got), pos, fileSize);
        }
      }
      const structure = describe(header, index, offset);
      const endOffset = pos + padded(structure.dataBytes);
      if (checkSize && endOffset > fileSize) throw truncatedData(index, pos, structure.dataBytes, fileSize);
      headers.push(header);
      layouts.push({ index, headerOffset: offset, dataOffset: pos, dataBytes: structure.dataBytes, endOffset });
      offset = endOffset;
    }
    return { primary: headers[0]!, extensions: headers.slice(1), layouts, bytesRead, fileSize };
  } catch (error) {
    throw withPath(error, path);
  } finally {
    await handle?.close();
  }
}
