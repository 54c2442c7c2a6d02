import { RegistryError } from '../../errors.js';

/**
 * Stable codes of {@link FitsError}; tests and callers branch on these, never on wording.
 *
 * - `FITS_NO_SIMPLE`: the file does not start with a `SIMPLE` card (not a FITS file).
 * - `FITS_NO_END`: a header runs to the end of the file without an `END` card.
 * - `FITS_TRUNCATED`: a header or data unit (with its padding to 2880 bytes) is cut short.
 * - `FITS_BAD_SIZE`: the file's size is not a multiple of 2880 bytes.
 * - `FITS_BITPIX`: BITPIX is missing or not one of 8, 16, 32, 64, -32, -64.
 * - `FITS_BAD_HEADER`: a mandatory keyword (NAXIS, NAXISn, XTENSION, ...) is missing or invalid.
 * - `FITS_BAD_CARD`: a card cannot be formatted (bad keyword, value that FITS cannot hold).
 * - `FITS_TYPE`: a typed header getter found a value of another type.
 * - `FITS_BAD_INPUT`: `writeFits` was given data and a shape that do not fit together.
 * - `FITS_NO_HDU`: an HDU asked for by index or EXTNAME is absent or not an image.
 */
export type FitsErrorCode =
  | 'FITS_NO_SIMPLE'
  | 'FITS_NO_END'
  | 'FITS_TRUNCATED'
  | 'FITS_BAD_SIZE'
  | 'FITS_BITPIX'
  | 'FITS_BAD_HEADER'
  | 'FITS_BAD_CARD'
  | 'FITS_TYPE'
  | 'FITS_BAD_INPUT'
  | 'FITS_NO_HDU';

/** Where in a file a {@link FitsError} was found, when that is known. */
export interface FitsErrorLocation {
  /** Byte offset in the file (of the card, header or data unit at fault). */
  readonly offset?: number;
  /** Index of the HDU at fault (0 = primary). */
  readonly hdu?: number;
  /** The file's path, when the error came from reading a file on disk. */
  readonly path?: string;
}

/**
 * Raised for anything wrong with FITS bytes we read or with input we are asked to write.
 * The message names what is wrong and where (HDU index, byte offset); the same facts are
 * on the error as fields so callers need not parse the message.
 */
export class FitsError extends RegistryError {
  override name = 'FitsError';
  /** Byte offset in the file of the problem, if known. */
  readonly offset: number | undefined;
  /** HDU index of the problem (0 = primary), if known. */
  readonly hdu: number | undefined;
  /** Path of the file on disk, if the error came from reading one. */
  readonly path: string | undefined;

  constructor(message: string, override readonly code: FitsErrorCode, where: FitsErrorLocation = {}) {
    super(message, code);
    this.offset = where.offset;
    this.hdu = where.hdu;
    this.path = where.path;
  }
}
