import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { FitsError, FitsHeader, formatCard, parseCard } from '../../../../registry/datastore/fits/index.js';
import type { FitsCard } from '../../../../registry/datastore/fits/index.js';

/** Pads a hand-written card to 80 columns (the goldens below spell out columns 1-30+). */
const pad = (s: string): string => s.padEnd(80);

/** Formats a card that must take exactly one 80-character image. */
function one(card: FitsCard): string {
  const images = formatCard(card);
  expect(images).toHaveLength(1);
  expect(images[0]).toHaveLength(80);
  return images[0]!;
}

// Ruler for reading the goldens:
//          1         2         3         4
// 1234567890123456789012345678901234567890
describe('formatCard goldens (FITS 4.0 section 4.2 fixed format)', () => {
  it('right-justifies logicals and integers to column 30', () => {
    expect(one({ keyword: 'SIMPLE', value: true, comment: '' })).toBe(pad('SIMPLE  =                    T'));
    expect(one({ keyword: 'EXTEND', value: false, comment: '' })).toBe(pad('EXTEND  =                    F'));
    expect(one({ keyword: 'NAXIS1', value: 536, comment: 'columns' })).toBe(
      pad('NAXIS1  =                  536 / columns'),
    );
    expect(one({ keyword: 'BITPIX', value: -32, comment: '' })).toBe(pad('BITPIX  =                  -32'));
    // 2^63 must be exact digits, not String(2 ** 63) = 9223372036854776000.
    expect(one({ keyword: 'BZERO', value: 2 ** 63, comment: '' })).toBe(pad('BZERO   =  9223372036854775808'));
  });

  it('writes reals with a decimal point or exponent and round-trip digits', () => {
    expect(one({ keyword: 'GAIN', value: 1.9, comment: 'e-/ADU' })).toBe(pad('GAIN    =                  1.9 / e-/ADU'));
    expect(one({ keyword: 'EXPTIME', value: 150, comment: '', numberFormat: 'real' })).toBe(
      pad('EXPTIME =                150.0'),
    );
    expect(one({ keyword: 'TINY', value: 1e-7, comment: '' })).toBe(pad('TINY    =              1.0E-07'));
    expect(one({ keyword: 'SMALL', value: -2.5e-300, comment: '' })).toBe(pad('SMALL   =            -2.5E-300'));
    expect(one({ keyword: 'SUM', value: 0.1 + 0.2, comment: '' })).toBe(pad('SUM     =  0.30000000000000004'));
    expect(one({ keyword: 'NEGZERO', value: -0, comment: '' })).toBe(pad('NEGZERO =                 -0.0'));
    // Too long for columns 11-30: free format from column 11 rather than losing digits.
    expect(one({ keyword: 'BIG', value: 1.2345678901234568e20, comment: '' })).toBe(
      pad('BIG     = 1.2345678901234568E+20'),
    );
    // A whole number that is too big for an integer is written as a real.
    expect(one({ keyword: 'HUGE', value: 1e300, comment: '' })).toBe(pad('HUGE    =             1.0E+300'));
  });

  it('quotes strings from column 11 with at least 8 characters and doubled quotes', () => {
    expect(one({ keyword: 'OBSERVAT', value: 'SAAO', comment: 'observatory' })).toBe(
      pad("OBSERVAT= 'SAAO    '           / observatory"),
    );
    expect(one({ keyword: 'OBSERVER', value: "O'HARA", comment: '' })).toBe(pad("OBSERVER= 'O''HARA '"));
    expect(one({ keyword: 'XTENSION', value: 'IMAGE', comment: '' })).toBe(pad("XTENSION= 'IMAGE   '"));
    expect(one({ keyword: 'DATE-OBS', value: '2013-07-13T00:57:33', comment: '' })).toBe(
      pad("DATE-OBS= '2013-07-13T00:57:33'"),
    );
    expect(one({ keyword: 'LEAD', value: '  x', comment: '' })).toBe(pad("LEAD    = '  x     '"));
    expect(one({ keyword: 'EMPTY', value: '', comment: '' })).toBe(pad("EMPTY   = ''"));
  });

  it('writes an undefined value, commentary cards and HIERARCH keywords', () => {
    expect(one({ keyword: 'UNDEF', value: null, comment: 'no value' })).toBe(
      pad('UNDEF   =                      / no value'),
    );
    expect(one({ keyword: 'COMMENT', value: null, comment: 'hello world' })).toBe(pad('COMMENT hello world'));
    expect(one({ keyword: 'HISTORY', value: null, comment: 'bias subtracted' })).toBe(
      pad('HISTORY bias subtracted'),
    );
    expect(one({ keyword: 'ESO DET CHIP TEMP', value: -120.5, comment: 'K' })).toBe(
      pad('HIERARCH ESO DET CHIP TEMP = -120.5 / K'),
    );
  });

  it('cuts a comment that does not fit and splits long commentary', () => {
    const card = one({ keyword: 'NAXIS', value: 2, comment: 'c'.repeat(100) });
    expect(card).toBe(`NAXIS   =                    2 / ${'c'.repeat(47)}`);
    const text = 'a'.repeat(72) + 'b'.repeat(10);
    expect(formatCard({ keyword: 'COMMENT', value: null, comment: text })).toEqual([
      `COMMENT ${'a'.repeat(72)}`,
      pad(`COMMENT ${'b'.repeat(10)}`),
    ]);
  });

  it('continues long strings on CONTINUE cards without splitting a doubled quote', () => {
    expect(formatCard({ keyword: 'LONG', value: 'x'.repeat(100), comment: 'a comment' })).toEqual([
      `LONG    = '${'x'.repeat(67)}&'`,
      pad(`CONTINUE  '${'x'.repeat(33)}' / a comment`),
    ]);
    // 66 x then a quote: the doubled quote would straddle the 67-character cut, so it moves.
    const images = formatCard({ keyword: 'Q', value: `${'x'.repeat(66)}'${'y'.repeat(5)}`, comment: '' });
    expect(images).toEqual([pad(`Q       = '${'x'.repeat(66)}&'`), pad(`CONTINUE  '''${'y'.repeat(5)}'`)]);
    for (const image of images) expect(image).toHaveLength(80);
  });

  it('refuses what a FITS header cannot hold', () => {
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(FitsError);
        return (e as FitsError).code;
      }
      return undefined;
    };
    expect(code(() => formatCard({ keyword: 'X', value: NaN, comment: '' }))).toBe('FITS_BAD_CARD');
    expect(code(() => formatCard({ keyword: 'X', value: Infinity, comment: '' }))).toBe('FITS_BAD_CARD');
    expect(code(() => formatCard({ keyword: 'X', value: 'caf\u00e9', comment: '' }))).toBe('FITS_BAD_CARD');
    expect(code(() => formatCard({ keyword: 'bad key', value: null, comment: '', kind: 'commentary' }))).toBe(
      'FITS_BAD_CARD',
    );
    expect(code(() => new FitsHeader().set('A=B', 1))).toBe('FITS_BAD_CARD');
    expect(code(() => new FitsHeader().set('COMMENT', 1))).toBe('FITS_BAD_CARD');
  });
});

describe('parseCard on hand-written cards', () => {
  it('reads the fixed-format types', () => {
    expect(parseCard('SIMPLE  =                    T / conforms')).toEqual({
      keyword: 'SIMPLE',
      value: true,
      comment: 'conforms',
    });
    expect(parseCard('EXTEND  =                    F')).toMatchObject({ value: false, comment: '' });
    expect(parseCard('NAXIS1  =                  536 / columns')).toEqual({
      keyword: 'NAXIS1',
      value: 536,
      comment: 'columns',
      numberFormat: 'int',
    });
    expect(parseCard('EXPTIME =              150.040         / integration time in secs')).toEqual({
      keyword: 'EXPTIME',
      value: 150.04,
      comment: 'integration time in secs',
      numberFormat: 'real',
    });
    expect(parseCard('BZERO   =  9223372036854775808').value).toBe(2 ** 63);
  });

  it('reads E and D exponents and bare decimal points', () => {
    expect(parseCard('A       =              1.5D+03').value).toBe(1500);
    expect(parseCard('B       =               -.5E-2').value).toBe(-0.005);
    expect(parseCard('C       =                  1E5').value).toBe(100000);
    expect(parseCard('D       =                  +7.').value).toBe(7);
  });

  it('reads strings: doubled quotes, leading spaces kept, trailing dropped, slashes inside', () => {
    expect(parseCard("OBSERVER= 'O''HARA '").value).toBe("O'HARA");
    expect(parseCard("LEAD    = '  lead  '").value).toBe('  lead');
    expect(parseCard("PATH    = 'a/b / c'  / the real comment")).toMatchObject({
      value: 'a/b / c',
      comment: 'the real comment',
    });
    // Free format: the quote starts at column 12 (as in the SAAO frame).
    expect(parseCard("TRIMSEC =  '[  17: 528,   1: 520]'     / Useful part of data")).toMatchObject({
      value: '[  17: 528,   1: 520]',
      comment: 'Useful part of data',
    });
    expect(parseCard("EMPTY   = ''").value).toBe('');
    expect(parseCard("BLANKS  = '        '").value).toBe('');
  });

  it('reads undefined values, commentary and odd cards', () => {
    expect(parseCard('UNDEF   =                      / nothing')).toEqual({
      keyword: 'UNDEF',
      value: null,
      comment: 'nothing',
    });
    expect(parseCard('COMMENT   indented text')).toEqual({
      keyword: 'COMMENT',
      value: null,
      comment: '  indented text',
      kind: 'commentary',
    });
    expect(parseCard('HISTORY = not a value')).toMatchObject({ kind: 'commentary', comment: '= not a value' });
    expect(parseCard('        blank keyword')).toMatchObject({ keyword: '', kind: 'commentary' });
    expect(parseCard('NOVALUE   just text')).toMatchObject({ keyword: 'NOVALUE', kind: 'commentary' });
    expect(parseCard('Z       = (1.0, 2.0) / complex')).toEqual({
      keyword: 'Z',
      value: '(1.0, 2.0)',
      comment: 'complex',
      raw: true,
    });
    expect(parseCard('HIERARCH ESO DET CHIP TEMP = -120.5 / K')).toMatchObject({
      keyword: 'ESO DET CHIP TEMP',
      value: -120.5,
      comment: 'K',
    });
  });
});

describe('FitsHeader', () => {
  it('joins CONTINUE cards and stops at END', () => {
    const header = FitsHeader.parse(
      [
        pad("SHORT   = 'abc&'"),
        pad("CONTINUE  'def&'        / first"),
        pad("CONTINUE  'ghi'         / second"),
        pad('AFTER   =                    1'),
        pad('END'),
        pad('IGNORED =                    2'),
      ].join(''),
    );
    expect(header.cards).toHaveLength(2);
    expect(header.getCard('SHORT')).toMatchObject({ value: 'abcdefghi', comment: 'first second' });
    expect(header.get('AFTER')).toBe(1);
    expect(header.has('IGNORED')).toBe(false);
  });

  it('keeps a CONTINUE card that follows no & string as commentary', () => {
    const header = FitsHeader.parse([pad("A       = 'abc'"), pad("CONTINUE  'def'")]);
    expect(header.get('A')).toBe('abc');
    expect(header.cards[1]).toMatchObject({ keyword: 'CONTINUE', kind: 'commentary' });
  });

  it('gets and sets values in order, case-insensitively, keeping reals real', () => {
    const header = FitsHeader.parse([
      pad('EXPTIME =                150.0 / seconds'),
      pad("OBJECT  = 'M31     '"),
      pad('COMMENT first'),
    ]);
    header.set('exptime', 30);
    expect(header.getCard('EXPTIME')).toEqual({
      keyword: 'EXPTIME',
      value: 30,
      comment: 'seconds',
      numberFormat: 'real',
    });
    expect(header.toCardImages()[0]).toBe(pad('EXPTIME =                 30.0 / seconds'));
    header.set('GAIN', 2, 'e-/ADU', { numberFormat: 'real' }).set('NCOMBINE', 5).addHistory('made by a test');
    expect(header.keywords()).toEqual(['EXPTIME', 'OBJECT', 'GAIN', 'NCOMBINE']);
    expect(header.toCardImages().slice(3)).toEqual([
      pad('GAIN    =                  2.0 / e-/ADU'),
      pad('NCOMBINE=                    5'),
      pad('HISTORY made by a test'),
    ]);
    expect(header.getNumber('GAIN')).toBe(2);
    expect(header.getString('OBJECT')).toBe('M31');
    expect(header.getBoolean('MISSING')).toBeUndefined();
    expect(header.commentary('COMMENT')).toEqual(['first']);
    expect(header.commentary('HISTORY')).toEqual(['made by a test']);
    expect(() => header.getNumber('OBJECT')).toThrowError(expect.objectContaining({ code: 'FITS_TYPE' }));
    expect(header.delete('OBJECT')).toBe(1);
    expect(header.has('OBJECT')).toBe(false);
    expect(header.clone().length).toBe(header.length);
  });
});

describe('format then parse round trips (property)', () => {
  const printable = fc.string({ unit: fc.constantFrom(...' !"#$%&\'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~'.split('')), maxLength: 300 });

  it('reals round-trip a float64 exactly and always carry a decimal point or exponent', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const images = formatCard({ keyword: 'X', value: x, comment: '', numberFormat: 'real' });
        expect(images).toHaveLength(1);
        const text = images[0]!.slice(10).trim();
        expect(text).toMatch(/^-?\d+\.\d*(E[+-]\d{2,3})?$/);
        expect(Object.is(FitsHeader.parse(images).get('X'), x)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('integers round-trip exactly', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        const images = formatCard({ keyword: 'N', value: n, comment: '' });
        expect(images[0]!.slice(10).trim()).toMatch(/^-?\d+$/);
        expect(FitsHeader.parse(images).get('N')).toBe(n);
      }),
    );
  });

  it('strings round-trip (trailing spaces are not significant in FITS)', () => {
    fc.assert(
      fc.property(printable, printable.map((s) => s.slice(0, 40)), (s, comment) => {
        const images = formatCard({ keyword: 'S', value: s, comment });
        for (const image of images) expect(image).toHaveLength(80);
        const card = FitsHeader.parse(images).getCard('S')!;
        expect(card.value).toBe(s.trimEnd());
      }),
      { numRuns: 1000 },
    );
  });
});
