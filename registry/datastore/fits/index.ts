/**
 * FITS reading and writing for the datastore: headers (cards, CONTINUE long strings),
 * image HDUs of every BITPIX with BSCALE/BZERO/BLANK, extension skipping, and a header-only
 * reader for raw ingest. Written here because no npm package reads and writes FITS
 * correctly in Node.
 */
export { FitsError } from './fits-error.js';
export type { FitsErrorCode, FitsErrorLocation } from './fits-error.js';
export { FITS_CARD_LENGTH, FitsHeader, formatCard, formatNumber, parseCard } from './fits-header.js';
export type { FitsCard, FitsSetOptions, FitsValue } from './fits-header.js';
export { FITS_BLOCK, FitsFile, readFits, readFitsFile, readFitsHeader } from './fits-reader.js';
export type {
  FitsBitpix,
  FitsHdu,
  FitsHduLayout,
  FitsHeaderScan,
  FitsImageHdu,
  FitsPixelArray,
  FitsRawHdu,
  ReadFitsHeaderOptions,
  ReadFitsOptions,
} from './fits-reader.js';
export { writeFits, writeFitsFile } from './fits-writer.js';
export type { FitsImageInput } from './fits-writer.js';
