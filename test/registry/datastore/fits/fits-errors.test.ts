import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { RegistryError } from '../../../../registry/errors.js';
import {
  FitsError,
  readFits,
  readFitsFile,
  readFitsHeader,
  writeFits,
} from '../../../../registry/datastore/fits/index.js';
import type { FitsImageInput } from '../../../../registry/datastore/fits/index.js';
import { tempDir } from '../../../support/test-repos.js';

const { path: dir, cleanup } = tempDir('qg-fits-err-');
afterAll(cleanup);

/** Runs `f` and returns the FitsError it throws (failing if it throws nothing or something else). */
function fitsError(f: () => unknown): FitsError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(FitsError);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).name).toBe('FitsError');
    return error as FitsError;
  }
  throw new Error('expected a FitsError, nothing was thrown');
}

async function fitsErrorAsync(f: () => Promise<unknown>): Promise<FitsError> {
  try {
    await f();
  } catch (error) {
    expect(error).toBeInstanceOf(FitsError);
    return error as FitsError;
  }
  throw new Error('expected a FitsError, nothing was thrown');
}

/** Header text of cards padded to 80, END, and spaces to 2880 (no writeFits involved). */
function headerBlock(cards: string[], end = true): Buffer {
  const text = [...cards, ...(end ? ['END'] : [])].map((c) => c.padEnd(80)).join('');
  return Buffer.from(text.padEnd(Math.ceil(text.length / 2880) * 2880), 'latin1');
}

const primaryCards = (bitpix: string, naxis: string[]): string[] => [
  'SIMPLE  =                    T',
  `BITPIX  = ${bitpix.padStart(20)}`,
  `NAXIS   = ${String(naxis.length).padStart(20)}`,
  ...naxis.map((n, i) => `NAXIS${i + 1}`.padEnd(8) + `= ${n.padStart(20)}`),
];

// A 100 x 100 Int16 image (20000 data bytes: 7 blocks, the last one partly padding) then an extension.
const good = writeFits([
  { data: new Int16Array(100 * 100).fill(7), shape: [100, 100] },
  { data: Float32Array.from([1, 2, 3]), name: 'EXT' },
]);
const dataStart = 2880;
const dataBytes = 20000;
const extStart = 2880 + 7 * 2880;

describe('not FITS at all', () => {
  it('rejects an empty file and a file without SIMPLE', () => {
    const empty = fitsError(() => readFits(new Uint8Array(0)));
    expect(empty.code).toBe('FITS_NO_SIMPLE');
    expect(empty.message).toMatch(/empty/);
    const text = fitsError(() => readFits(Buffer.from('hello world, this is not FITS'.padEnd(2880))));
    expect(text.code).toBe('FITS_NO_SIMPLE');
    expect(text.message).toContain('byte 0');
    expect(text.message).toContain('"hello world, this is');
    const swapped = fitsError(() => readFits(headerBlock(['BITPIX  =                    8', 'SIMPLE  =                    T'])));
    expect(swapped.code).toBe('FITS_NO_SIMPLE');
  });
});

describe('headers without END', () => {
  it('reports a header that runs to the end of the file', () => {
    const bytes = headerBlock(primaryCards('8', []), false);
    const error = fitsError(() => readFits(bytes));
    expect(error.code).toBe('FITS_NO_END');
    expect(error.hdu).toBe(0);
    expect(error.message).toMatch(/HDU 0: header starting at byte 0 has no END card before the end of the file at byte 2880/);
  });

  it('reports a header that runs into binary data', () => {
    const bytes = Buffer.concat([headerBlock(primaryCards('16', ['10']), false), Buffer.alloc(2880, 0)]);
    const error = fitsError(() => readFits(bytes));
    expect(error.code).toBe('FITS_NO_END');
    expect(error.message).toMatch(/binary bytes at byte 2880/);
  });

  it('names the extension whose header has no END', () => {
    const bytes = Buffer.from(good.slice(0, extStart + 2880));
    // Blank out the extension's END card.
    const text = bytes.toString('latin1', extStart, extStart + 2880);
    bytes.write(text.replace(/END {77}/, ' '.repeat(80)), extStart, 'latin1');
    const error = fitsError(() => readFits(bytes));
    expect(error.code).toBe('FITS_NO_END');
    expect(error.hdu).toBe(1);
    expect(error.message).toContain(`header starting at byte ${extStart}`);
  });
});

describe('truncated and mis-sized files', () => {
  it('reports a data unit cut in the middle', () => {
    const error = fitsError(() => readFits(good.slice(0, dataStart + 5000)));
    expect(error.code).toBe('FITS_TRUNCATED');
    expect(error.hdu).toBe(0);
    expect(error.offset).toBe(dataStart);
    expect(error.message).toBe(
      `HDU 0: data unit at byte 2880 is truncated: it needs 20160 bytes (to byte 23040) but the file ` +
        `ends at byte 7880; the file holds only 5000 of its 20000 bytes`,
    );
  });

  it('reports a data unit whose final padding is missing, saying the data itself is complete', () => {
    const error = fitsError(() => readFits(good.slice(0, dataStart + dataBytes)));
    expect(error.code).toBe('FITS_TRUNCATED');
    expect(error.message).toMatch(/the 20000 data bytes are all there but the padding/);
  });

  it('reports a header block cut after its END card', () => {
    const error = fitsError(() => readFits(good.slice(0, 800)));
    expect(error.code).toBe('FITS_TRUNCATED');
    expect(error.message).toMatch(/HDU 0: header starting at byte 0 is truncated: its END card is at byte/);
  });

  it('reports an extension cut short', () => {
    const error = fitsError(() => readFits(good.slice(0, good.length - 100)));
    expect(error.code).toBe('FITS_TRUNCATED');
    expect(error.hdu).toBe(1);
    expect(error.offset).toBe(extStart + 2880);
  });

  it('reports stray bytes after the last HDU, but accepts whole blocks of special records', () => {
    const error = fitsError(() => readFits(Buffer.concat([good, Buffer.alloc(100)])));
    expect(error.code).toBe('FITS_BAD_SIZE');
    expect(error.message).toBe(
      `file size ${good.length + 100} is not a multiple of 2880: 100 stray bytes after HDU 1, which ends at byte ${good.length}`,
    );
    const withRecords = readFits(Buffer.concat([good, Buffer.alloc(2880)]));
    expect(withRecords.hdus).toHaveLength(2);
    expect(withRecords.trailingBytes).toBe(2880);
  });
});

describe('bad structural keywords', () => {
  it('rejects an unsupported or missing BITPIX', () => {
    const twelve = fitsError(() => readFits(headerBlock(primaryCards('12', []))));
    expect(twelve.code).toBe('FITS_BITPIX');
    expect(twelve.message).toBe('HDU 0 at byte 0: BITPIX = 12 is not one of 8, 16, 32, 64, -32, -64');
    const missing = fitsError(() => readFits(headerBlock(['SIMPLE  =                    T', 'NAXIS   =                    0'])));
    expect(missing.code).toBe('FITS_BITPIX');
    expect(missing.message).toMatch(/BITPIX is missing/);
  });

  it('rejects a missing NAXISn and a non-integer NAXIS', () => {
    const cards = primaryCards('16', ['10', '10']).slice(0, -1);
    const error = fitsError(() => readFits(headerBlock(cards)));
    expect(error.code).toBe('FITS_BAD_HEADER');
    expect(error.message).toBe('HDU 0 at byte 0: NAXIS2 is missing');
    const real = fitsError(() => readFits(headerBlock([...primaryCards('16', []).slice(0, 2), 'NAXIS   =                  1.5'])));
    expect(real.message).toBe('HDU 0 at byte 0: NAXIS is 1.5, not a non-negative integer');
  });

  it('reports an unsupported BITPIX in an extension with its index and offset', () => {
    const ext = headerBlock(["XTENSION= 'IMAGE   '", 'BITPIX  =                   24', 'NAXIS   =                    0']);
    const error = fitsError(() => readFits(Buffer.concat([headerBlock(primaryCards('8', [])), ext])));
    expect(error.code).toBe('FITS_BITPIX');
    expect(error.hdu).toBe(1);
    expect(error.message).toMatch(/^HDU 1 at byte 2880: BITPIX = 24/);
  });
});

describe('looking up HDUs', () => {
  it('reports an absent HDU and a table asked for as an image', () => {
    const file = readFits(good);
    expect(file.hdu('nope')).toBeUndefined();
    const absent = fitsError(() => file.image('nope'));
    expect(absent.code).toBe('FITS_NO_HDU');
    expect(absent.message).toBe('HDU "nope": no such HDU');
    const table = handTable();
    const notImage = fitsError(() => readFits(table).image(1));
    expect(notImage.code).toBe('FITS_NO_HDU');
    expect(notImage.message).toBe('HDU 1: a BINTABLE HDU, not an image');
  });
});

describe('skipping tables', () => {
  it('skips a hand-made BINTABLE by NAXIS1 * NAXIS2 + PCOUNT and reads the image after it', () => {
    const file = readFits(handTable());
    expect(file.hdus.map((h) => h.kind)).toEqual(['image', 'raw', 'image']);
    const table = file.hdus[1]!;
    expect(table).toMatchObject({ kind: 'raw', type: 'BINTABLE', dataOffset: 5760, dataBytes: 18, endOffset: 8640 });
    expect(table.header.get('TFORM1')).toBe('J');
    expect(file.image(2).data).toEqual(Int16Array.from([0x1234, -1]));
  });
});

/** An empty primary then a 2-row BINTABLE with a 10-byte heap (PCOUNT), then an image. */
function handTable(): Buffer {
  const table = headerBlock([
    "XTENSION= 'BINTABLE'",
    'BITPIX  =                    8',
    'NAXIS   =                    2',
    'NAXIS1  =                    4',
    'NAXIS2  =                    2',
    'PCOUNT  =                   10',
    'GCOUNT  =                    1',
    'TFIELDS =                    1',
    "TFORM1  = 'J       '",
  ]);
  const image = headerBlock([
    "XTENSION= 'IMAGE   '",
    'BITPIX  =                   16',
    'NAXIS   =                    1',
    'NAXIS1  =                    2',
    'PCOUNT  =                    0',
    'GCOUNT  =                    1',
  ]);
  const pad = (bytes: number[]): Buffer => Buffer.concat([Buffer.from(bytes), Buffer.alloc(2880 - bytes.length)]);
  return Buffer.concat([
    headerBlock(primaryCards('8', [])),
    table,
    pad([0, 0, 0, 1, 0, 0, 0, 2, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]), // 8 bytes of rows + 10 of heap
    image,
    pad([0x12, 0x34, 0xff, 0xff]),
  ]);
}

describe('errors from files on disk carry the path', () => {
  it('readFitsHeader reports a truncated raw from its size alone', async () => {
    const path = join(dir, 'truncated.fits');
    writeFileSync(path, good.slice(0, dataStart + 5000));
    const error = await fitsErrorAsync(() => readFitsHeader(path));
    expect(error.code).toBe('FITS_TRUNCATED');
    expect(error.path).toBe(path);
    expect(error.message.startsWith(`${path}: HDU 0: data unit at byte 2880 is truncated`)).toBe(true);
    // Without the size check the header itself is fine.
    const scan = await readFitsHeader(path, { checkSize: false });
    expect(scan.primary.get('NAXIS1')).toBe(100);
  });

  it('readFitsHeader and readFitsFile report missing SIMPLE and END', async () => {
    const notFits = join(dir, 'not.fits');
    writeFileSync(notFits, 'just text\n');
    expect((await fitsErrorAsync(() => readFitsHeader(notFits))).code).toBe('FITS_NO_SIMPLE');
    expect((await fitsErrorAsync(() => readFitsFile(notFits))).code).toBe('FITS_NO_SIMPLE');
    const noEnd = join(dir, 'noend.fits');
    writeFileSync(noEnd, Buffer.concat([headerBlock(primaryCards('8', []), false), headerBlock(['COMMENT x'], false)]));
    const error = await fitsErrorAsync(() => readFitsHeader(noEnd));
    expect(error.code).toBe('FITS_NO_END');
    expect(error.message).toBe(
      `${noEnd}: HDU 0: header starting at byte 0 has no END card before the end of the file at byte 5760 (72 cards read)`,
    );
  });

  it('readFitsHeader reports stray bytes before an extension', async () => {
    const path = join(dir, 'stray.fits');
    writeFileSync(path, Buffer.concat([good.slice(0, extStart), Buffer.from('XTENSION')]));
    const error = await fitsErrorAsync(() => readFitsHeader(path, { extensions: 1 }));
    expect(error.code).toBe('FITS_BAD_SIZE');
  });

  it('a missing file is the ordinary ENOENT error', async () => {
    await expect(readFitsHeader(join(dir, 'nope.fits'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('writeFits input errors', () => {
  const cases: [string, FitsImageInput, RegExp][] = [
    ['shape not matching data', { data: new Float32Array(10), shape: [3, 3] }, /shape \[3, 3\] holds 9 pixels but data has 10/],
    ['negative axis', { data: new Float32Array(0), shape: [-1, 0] }, /not a non-negative integer/],
    ['shape without data', { shape: [2, 2] }, /given without data/],
    ['scale on floats', { data: new Float32Array(1), scale: { bscale: 2 } }, /scale applies to stored integers/],
    ['scale on unsigned', { data: new Uint16Array(1), scale: { bzero: 1 } }, /not Uint16Array/],
    ['blank on floats', { data: new Float64Array(1), blank: 0 }, /BLANK must be an integer and needs integer data/],
  ];
  for (const [what, input, message] of cases) {
    it(`rejects ${what}`, () => {
      const error = fitsError(() => writeFits([{}, input]));
      expect(error.code).toBe('FITS_BAD_INPUT');
      expect(error.hdu).toBe(1);
      expect(error.message).toMatch(message);
    });
  }

  it('rejects no HDUs, and header cards FITS cannot hold, naming the HDU', () => {
    expect(fitsError(() => writeFits([])).code).toBe('FITS_BAD_INPUT');
    const error = fitsError(() => writeFits([{ header: [{ keyword: 'EXPTIME', value: NaN, comment: '' }] }]));
    expect(error.code).toBe('FITS_BAD_CARD');
    expect(error.message).toMatch(/^HDU 0: cannot write NaN/);
  });
});
