import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import {
  FitsHeader,
  readFits,
  readFitsFile,
  readFitsHeader,
  writeFits,
  writeFitsFile,
} from '../../../../registry/datastore/fits/index.js';
import type { FitsImageHdu, FitsPixelArray } from '../../../../registry/datastore/fits/index.js';
import { seededRandom } from '../../../support/random.js';
import { tempDir } from '../../../support/test-repos.js';

const { path: dir, cleanup } = tempDir('qg-fits-rt-');
afterAll(cleanup);

/**
 * Builds a FITS file by hand, independently of writeFits: cards padded to 80, END, spaces
 * to 2880; data padded with zeros to 2880.
 */
function handFits(hdus: { cards: string[]; data?: Uint8Array }[]): Uint8Array {
  const parts: number[] = [];
  for (const { cards, data } of hdus) {
    const text = [...cards, 'END'].map((c) => c.padEnd(80)).join('');
    const headerLength = Math.ceil(text.length / 2880) * 2880;
    for (let i = 0; i < headerLength; i++) parts.push(i < text.length ? text.charCodeAt(i) : 0x20);
    const bytes = data ?? new Uint8Array(0);
    const dataLength = Math.ceil(bytes.length / 2880) * 2880;
    for (let i = 0; i < dataLength; i++) parts.push(i < bytes.length ? bytes[i]! : 0);
  }
  return Uint8Array.from(parts);
}

/** Big-endian bytes of float32 or float64 values, via DataView (not the code under test). */
function bigEndianFloats(values: number[], size: 4 | 8): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * size));
  values.forEach((v, i) => (size === 4 ? view.setFloat32(i * 4, v) : view.setFloat64(i * 8, v)));
  return new Uint8Array(view.buffer);
}

/** The 80-character cards of a header block as text. */
function cardsOf(bytes: Uint8Array, start = 0): string[] {
  const text = Buffer.from(bytes.subarray(start, start + 2880)).toString('latin1');
  const cards: string[] = [];
  for (let i = 0; i < 2880; i += 80) cards.push(text.slice(i, i + 80).trimEnd());
  return cards;
}

function image(bytes: Uint8Array, index = 0, options?: Parameters<typeof readFits>[1]): FitsImageHdu {
  return readFits(bytes, options).image(index);
}

describe('writeFits bytes, checked by hand', () => {
  it('lays out a 1-D Int16 primary: header cards, space padding, big-endian data, zero padding', () => {
    const bytes = writeFits([{ data: Int16Array.from([1, -2, 300]) }]);
    expect(bytes.length).toBe(5760);
    const cards = cardsOf(bytes);
    expect(cards.slice(0, 6)).toEqual([
      'SIMPLE  =                    T / conforms to FITS standard',
      'BITPIX  =                   16 / array data type',
      'NAXIS   =                    1 / number of array dimensions',
      'NAXIS1  =                    3',
      'EXTEND  =                    T / extensions may follow',
      'END',
    ]);
    // Everything after END in the header block is spaces.
    expect(bytes.subarray(6 * 80 + 3, 2880).every((b) => b === 0x20)).toBe(true);
    expect([...bytes.subarray(2880, 2886)]).toEqual([0x00, 0x01, 0xff, 0xfe, 0x01, 0x2c]);
    expect(bytes.subarray(2886).every((b) => b === 0)).toBe(true);
  });

  it('writes Uint16 as BITPIX 16 + BZERO 32768 (stored = value - 32768)', () => {
    const bytes = writeFits([{ data: Uint16Array.from([0, 1, 32768, 65535]), shape: [2, 2] }]);
    const cards = cardsOf(bytes);
    expect(cards).toContain('NAXIS1  =                    2');
    expect(cards).toContain('BSCALE  =                    1');
    expect(cards).toContain('BZERO   =                32768 / offset data range to that of unsigned');
    expect([...bytes.subarray(2880, 2888)]).toEqual([0x80, 0x00, 0x80, 0x01, 0x00, 0x00, 0x7f, 0xff]);
  });

  it('writes Float32 and Float64 big-endian', () => {
    const f32 = writeFits([{ data: Float32Array.from([1.5, -2, 3.25]) }]);
    expect([...f32.subarray(2880, 2892)]).toEqual([...bigEndianFloats([1.5, -2, 3.25], 4)]);
    const f64 = writeFits([{ data: Float64Array.from([Math.PI, -1e300]) }]);
    expect([...f64.subarray(2880, 2896)]).toEqual([...bigEndianFloats([Math.PI, -1e300], 8)]);
    expect(cardsOf(f64)[1]).toBe('BITPIX  =                  -64 / array data type');
  });

  it('writes NAXIS1 as the fastest axis of a slowest-first shape', () => {
    const bytes = writeFits([{ data: new Float32Array(2 * 3 * 4), shape: [2, 3, 4] }]);
    const cards = cardsOf(bytes);
    expect(cards.slice(2, 6)).toEqual([
      'NAXIS   =                    3 / number of array dimensions',
      'NAXIS1  =                    4',
      'NAXIS2  =                    3',
      'NAXIS3  =                    2',
    ]);
  });

  it('writes an empty primary followed by named IMAGE extensions', () => {
    const bytes = writeFits([
      { data: null, header: [{ keyword: 'TELESCOP', value: 'SAAO 1.0m', comment: '' }] },
      { data: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3], name: 'SCI' },
      { data: Int32Array.from([7, 8]), name: 'MASK' },
    ]);
    expect(bytes.length).toBe(2880 * 5);
    const primary = cardsOf(bytes);
    expect(primary.slice(0, 5)).toEqual([
      'SIMPLE  =                    T / conforms to FITS standard',
      'BITPIX  =                    8 / array data type',
      'NAXIS   =                    0 / number of array dimensions',
      'EXTEND  =                    T / extensions follow',
      "TELESCOP= 'SAAO 1.0m'",
    ]);
    expect(cardsOf(bytes, 2880).slice(0, 8)).toEqual([
      "XTENSION= 'IMAGE   '           / image extension",
      'BITPIX  =                  -32 / array data type',
      'NAXIS   =                    2 / number of array dimensions',
      'NAXIS1  =                    3',
      'NAXIS2  =                    2',
      'PCOUNT  =                    0 / number of parameters',
      'GCOUNT  =                    1 / number of groups',
      "EXTNAME = 'SCI     '           / extension name",
    ]);
    const file = readFits(bytes);
    expect(file.hdus.map((h) => [h.kind, h.name])).toEqual([
      ['image', undefined],
      ['image', 'SCI'],
      ['image', 'MASK'],
    ]);
    expect(file.image(0).data).toBeNull();
    expect(file.image(0).shape).toEqual([]);
    expect(file.image('sci').shape).toEqual([2, 3]);
    expect([...(file.image('SCI').data as Float32Array)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(file.image(2).data).toEqual(Int32Array.from([7, 8]));
    expect(file.primary.header.get('TELESCOP')).toBe('SAAO 1.0m');
  });
});

describe('round trips for every BITPIX', () => {
  const n = 1000;
  const rnd = seededRandom(42);
  const ints = (lo: number, hi: number): number[] => [
    lo,
    hi,
    0,
    ...Array.from({ length: n - 3 }, () => Math.floor(lo + rnd() * (hi - lo + 1))),
  ];
  const cases: { name: string; data: FitsPixelArray; bitpix: number; bzero?: string }[] = [
    { name: 'Uint8Array', data: Uint8Array.from(ints(0, 255)), bitpix: 8 },
    { name: 'Int8Array', data: Int8Array.from(ints(-128, 127)), bitpix: 8, bzero: '-128' },
    { name: 'Int16Array', data: Int16Array.from(ints(-32768, 32767)), bitpix: 16 },
    { name: 'Uint16Array', data: Uint16Array.from(ints(0, 65535)), bitpix: 16, bzero: '32768' },
    { name: 'Int32Array', data: Int32Array.from(ints(-2147483648, 2147483647)), bitpix: 32 },
    { name: 'Uint32Array', data: Uint32Array.from(ints(0, 4294967295)), bitpix: 32, bzero: '2147483648' },
    {
      name: 'BigInt64Array',
      data: BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n, 0n, ...ints(-1e15, 1e15).map(BigInt)]),
      bitpix: 64,
    },
    {
      name: 'BigUint64Array',
      data: BigUint64Array.from([0n, 2n ** 64n - 1n, 2n ** 63n, ...ints(0, 1e15).map(BigInt)]),
      bitpix: 64,
      bzero: '9223372036854775808',
    },
    {
      name: 'Float32Array',
      data: Float32Array.from([NaN, Infinity, -0, 3.4e38, 1e-45, ...ints(-1e6, 1e6).map((v) => v / 7)]),
      bitpix: -32,
    },
    {
      name: 'Float64Array',
      data: Float64Array.from([NaN, -Infinity, Number.MAX_VALUE, 5e-324, ...ints(-1e9, 1e9).map((v) => v / 3)]),
      bitpix: -64,
    },
  ];

  for (const c of cases) {
    it(`${c.name} -> BITPIX ${c.bitpix}${c.bzero ? ` + BZERO ${c.bzero}` : ''} -> ${c.name}`, () => {
      // A view shorter than its buffer, so 2-D shapes work out: views must be honoured.
      const data = c.data.subarray(0, c.data.length - (c.data.length % 10)) as FitsPixelArray;
      const shape = [data.length / 10, 10];
      const bytes = writeFits([{ data, shape }]);
      expect(bytes.length % 2880).toBe(0);
      const cards = cardsOf(bytes);
      expect(cards[1]).toBe(`BITPIX  = ${String(c.bitpix).padStart(20)} / array data type`);
      const bzeroCard = cards.find((card) => card.startsWith('BZERO'));
      expect(bzeroCard?.slice(10, 30).trim()).toBe(c.bzero);
      const hdu = image(bytes);
      expect(hdu.bitpix).toBe(c.bitpix);
      expect(hdu.shape).toEqual(shape);
      expect(hdu.data?.constructor.name).toBe(c.name);
      // Same values, element by element (Object.is: NaN equals NaN, -0 is not 0).
      const got = [...(hdu.data as Iterable<number | bigint>)];
      const want = [...(data as Iterable<number | bigint>)];
      expect(got.length).toBe(want.length);
      expect(got.every((v, i) => Object.is(v, want[i]))).toBe(true);
    });
  }

  it('keeps 0-, 1- and 3-D shapes', () => {
    const cube = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    const bytes = writeFits([{}, { data: cube, shape: [2, 3, 4] }, { data: Int16Array.from([5, 6, 7]) }]);
    const file = readFits(bytes);
    expect(file.image(0).shape).toEqual([]);
    expect(file.image(1).shape).toEqual([2, 3, 4]);
    // x fastest: pixel (x=3, y=2, z=1) is index 1*12 + 2*4 + 3.
    expect((file.image(1).data as Float32Array)[1 * 12 + 2 * 4 + 3]).toBe(23);
    expect(file.image(2).shape).toEqual([3]);
    expect(file.image(2).data).toEqual(Int16Array.from([5, 6, 7]));
  });

  it('writes and reads zero-length axes', () => {
    const hdu = image(writeFits([{ data: new Float32Array(0), shape: [0, 5] }]));
    expect(hdu.shape).toEqual([0, 5]);
    expect(hdu.data).toEqual(new Float32Array(0));
  });
});

describe('scaling: BSCALE, BZERO, BLANK', () => {
  it('applies BZERO + BSCALE * stored, in Float32 for BITPIX 8/16 and Float64 for 32/64', () => {
    const scale = { bscale: 2.5, bzero: -3 };
    // Expected physical values, worked out by hand: -3 + 2.5 * stored.
    const i16 = image(writeFits([{ data: Int16Array.from([0, 1, -2, 1000]), scale }]));
    expect(i16.data).toEqual(Float32Array.from([-3, -0.5, -8, 2497]));
    const u8 = image(writeFits([{ data: Uint8Array.from([0, 4, 255]), scale }]));
    expect(u8.data).toEqual(Float32Array.from([-3, 7, 634.5]));
    const i32 = image(writeFits([{ data: Int32Array.from([2147483647, -7]), scale }]));
    expect(i32.data).toEqual(Float64Array.from([5368709114.5, -20.5]));
    const i64 = image(writeFits([{ data: BigInt64Array.from([4n, -4n]), scale }]));
    expect(i64.data).toEqual(Float64Array.from([7, -13]));
    const header = i16.header;
    expect(header.toCardImages().filter((c) => /^BS|^BZ/.test(c))).toEqual([
      'BSCALE  =                  2.5'.padEnd(80),
      'BZERO   =                 -3.0'.padEnd(80),
    ]);
  });

  it("returns stored values with scaling 'raw' and floats with scaling 'float'", () => {
    const bytes = writeFits([{ data: Uint16Array.from([0, 40000, 65535]) }]);
    expect(image(bytes, 0, { scaling: 'raw' }).data).toEqual(Int16Array.from([-32768, 7232, 32767]));
    expect(image(bytes, 0, { scaling: 'float' }).data).toEqual(Float32Array.from([0, 40000, 65535]));
    const scaled = writeFits([{ data: Int16Array.from([1, 2]), scale: { bscale: 10, bzero: 0.5 } }]);
    expect(image(scaled, 0, { scaling: 'raw' }).data).toEqual(Int16Array.from([1, 2]));
  });

  it('turns BLANK pixels into NaN in float output and reports BLANK for integer output', () => {
    const data = Int16Array.from([5, -32768, 7]);
    const scaled = image(writeFits([{ data, scale: { bscale: 2, bzero: 1 }, blank: -32768 }]));
    expect([...(scaled.data as Float32Array)]).toEqual([11, NaN, 15]);
    expect(scaled.blank).toBeUndefined();
    const plain = writeFits([{ data, blank: -32768 }]);
    expect(image(plain).data).toEqual(data);
    expect(image(plain).blank).toBe(-32768);
    expect([...(image(plain, 0, { scaling: 'float' }).data as Float32Array)]).toEqual([5, NaN, 7]);
    const big = image(writeFits([{ data: BigInt64Array.from([3n, -1n]), blank: -1 }]), 0, { scaling: 'float' });
    expect([...(big.data as Float64Array)]).toEqual([3, NaN]);
  });

  it('reads scaled float data and the signed-byte convention from hand-made files', () => {
    const floats = handFits([
      {
        cards: ['SIMPLE  =                    T', 'BITPIX  =                  -32', 'NAXIS   =                    1',
          'NAXIS1  =                    3', 'BSCALE  =                  2.0', 'BZERO   =                 10.0'],
        data: bigEndianFloats([1, NaN, -4], 4),
      },
    ]);
    expect([...(image(floats).data as Float32Array)]).toEqual([12, NaN, 2]);
    const signed = handFits([
      {
        cards: ['SIMPLE  =                    T', 'BITPIX  =                    8', 'NAXIS   =                    1',
          'NAXIS1  =                    3', 'BZERO   =                 -128'],
        data: Uint8Array.from([0, 128, 255]),
      },
    ]);
    expect(image(signed).data).toEqual(Int8Array.from([-128, 0, 127]));
  });
});

describe('headers through the writer', () => {
  it('writes extra cards in order and drops the structural ones it owns', () => {
    const header = new FitsHeader()
      .set('SIMPLE', false)
      .set('BITPIX', 99)
      .set('NAXIS', 7)
      .set('BZERO', 5)
      .set('CTYPE1', 'RA---TAN')
      .set('CTYPE2', 'DEC--TAN')
      .set('CRPIX1', 100.5, 'reference pixel')
      .set('CRVAL1', 150, '', { numberFormat: 'real' })
      .set('CD1_1', -7.305555555555556e-5)
      .set('DATASUM', '123')
      .set('EXTNAME', 'OLD')
      .set('LONGSTR', 'a'.repeat(90) + "'quoted'")
      .addHistory('bias subtracted');
    const bytes = writeFits([{ data: new Float32Array(4), shape: [2, 2], header, name: 'SCI' }]);
    const back = readFits(bytes).primary.header;
    expect(back.keywords()).toEqual([
      'SIMPLE', 'BITPIX', 'NAXIS', 'NAXIS1', 'NAXIS2', 'EXTEND', 'EXTNAME', 'LONGSTRN',
      'CTYPE1', 'CTYPE2', 'CRPIX1', 'CRVAL1', 'CD1_1', 'LONGSTR',
    ]);
    expect(back.get('SIMPLE')).toBe(true);
    expect(back.get('BITPIX')).toBe(-32);
    expect(back.get('EXTNAME')).toBe('SCI');
    expect(back.getCard('CRVAL1')).toMatchObject({ value: 150, numberFormat: 'real' });
    expect(back.get('CD1_1')).toBe(-7.305555555555556e-5);
    expect(back.get('LONGSTR')).toBe('a'.repeat(90) + "'quoted'");
    // The CONTINUE convention is announced once, after the structural cards.
    expect(back.get('LONGSTRN')).toBe('OGIP 1.0');
    expect(back.commentary('HISTORY')).toEqual(['bias subtracted']);
  });

  it('rewrites a file read back unchanged (header cards, data)', () => {
    const first = writeFits([
      { data: Uint16Array.from([1, 2, 3, 65535]), shape: [2, 2], header: new FitsHeader().set('GAIN', 1.9) },
      { data: Float64Array.from([0.5]), name: 'EXTRA' },
    ]);
    const file = readFits(first);
    const second = writeFits(
      file.hdus.map((h) => (h.kind === 'image' ? { data: h.data, shape: h.shape, header: h.header } : {})),
    );
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
  });
});

describe('readFits leaves its input alone', () => {
  it('does not modify a Node Buffer it decodes (Buffer.slice would be a view)', () => {
    const bytes = Buffer.from(writeFits([{ data: Float32Array.from([1, 2, 3]) }, { data: Uint16Array.from([9]) }]));
    const before = Buffer.from(bytes);
    const first = readFits(bytes);
    expect(bytes.equals(before)).toBe(true);
    const second = readFits(bytes);
    expect(second.image(0).data).toEqual(first.image(0).data);
    expect(second.image(1).data).toEqual(Uint16Array.from([9]));
  });
});

describe('files on disk', () => {
  it('readFitsHeader reads headers without the data, and the same layout as readFits', async () => {
    const path = join(dir, 'mef.fits');
    const big = new Float32Array(512 * 512).fill(1);
    await writeFitsFile(path, [
      { data: big, shape: [512, 512], header: new FitsHeader().set('EXPTIME', 30.5).set('FILTER', 'r') },
      { data: big, shape: [512, 512], name: 'VARIANCE' },
      { data: Int32Array.from([1, 2, 3]), name: 'MASK' },
    ]);
    const only = await readFitsHeader(path);
    expect(only.primary.get('EXPTIME')).toBe(30.5);
    expect(only.primary.get('FILTER')).toBe('r');
    expect(only.extensions).toEqual([]);
    expect(only.bytesRead).toBeLessThanOrEqual(4 * 2880);
    const two = await readFitsHeader(path, { extensions: 1 });
    expect(two.extensions.map((h) => h.get('EXTNAME'))).toEqual(['VARIANCE']);
    const all = await readFitsHeader(path, { extensions: Infinity });
    expect(all.extensions.map((h) => h.get('EXTNAME'))).toEqual(['VARIANCE', 'MASK']);
    expect(all.bytesRead).toBeLessThan(all.fileSize / 10);
    const file = await readFitsFile(path);
    expect(all.layouts).toEqual(
      file.hdus.map(({ index, headerOffset, dataOffset, dataBytes, endOffset }) => ({
        index, headerOffset, dataOffset, dataBytes, endOffset,
      })),
    );
    expect(file.hdus[2]!.endOffset).toBe(all.fileSize);
  });

  it('readFitsHeader reads a header longer than its read-ahead', async () => {
    const header = new FitsHeader();
    for (let i = 0; i < 400; i++) header.set(`KEY${i}`, i); // 400 cards: 12 blocks
    const path = join(dir, 'long-header.fits');
    writeFileSync(path, writeFits([{ data: Int16Array.from([1]), header }, { data: Int16Array.from([2]), name: 'X' }]));
    const scan = await readFitsHeader(path, { extensions: 1 });
    expect(scan.primary.get('KEY399')).toBe(399);
    expect(scan.extensions[0]!.get('EXTNAME')).toBe('X');
  });

  it('writes and reads a 4096 x 4096 float32 image', async () => {
    const nx = 4096;
    const data = new Float32Array(nx * nx);
    for (let i = 0; i < data.length; i++) data[i] = (i % 65521) * 0.25 - 1000;
    const path = join(dir, 'big.fits');
    const t0 = performance.now();
    await writeFitsFile(path, [{ data, shape: [nx, nx] }]);
    const t1 = performance.now();
    const hdu = (await readFitsFile(path)).image(0);
    const t2 = performance.now();
    console.log(`4096x4096 float32: write ${(t1 - t0).toFixed(0)} ms, read ${(t2 - t1).toFixed(0)} ms`);
    expect(hdu.shape).toEqual([nx, nx]);
    const got = hdu.data as Float32Array;
    for (const i of [0, 1, 4095, 4096, 123456, data.length - 1]) expect(got[i]).toBe(data[i]);
    expect(Buffer.from(got.buffer).equals(Buffer.from(data.buffer))).toBe(true);
  });
});
