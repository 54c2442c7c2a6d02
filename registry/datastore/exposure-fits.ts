/**
 * Images with their variance and mask planes ("exposures") as multi-extension FITS: the
 * image in the primary HDU with the metadata/WCS cards, then `VARIANCE` and `MASK` image
 * extensions when present.
 */
import { FitsHeader, readFits, writeFits, type FitsImageInput, type FitsPixelArray } from './fits/index.js';
import { RegistryError } from '../errors.js';

/** An image with optional variance and mask planes and header metadata. */
export interface Exposure {
  readonly width: number;
  readonly height: number;
  /** Pixels, row-major (x fastest). */
  readonly image: FitsPixelArray;
  readonly variance?: Float32Array;
  readonly mask?: Int32Array;
  /** Metadata and WCS cards. */
  readonly header: FitsHeader;
}

/** Serializes an exposure as FITS. */
export function exposureToFits(value: unknown): Uint8Array {
  const e = value as Exposure;
  if (!e || typeof e.width !== 'number' || !e.image || e.image.length !== e.width * e.height) {
    throw new RegistryError('an exposure needs width, height and an image of width*height pixels', 'FORMATTER');
  }
  const shape = [e.height, e.width];
  const hdus: FitsImageInput[] = [{ data: e.image, shape, header: e.header }];
  if (e.variance) hdus.push({ data: e.variance, shape, name: 'VARIANCE' });
  if (e.mask) hdus.push({ data: e.mask, shape, name: 'MASK' });
  return writeFits(hdus);
}

/** Reads an exposure written by `exposureToFits` (or any FITS file with a 2-D primary image). */
export function exposureFromFits(bytes: Uint8Array): Exposure {
  const file = readFits(bytes);
  const primary = file.image(0);
  if (primary.shape.length !== 2 || !primary.data) throw new RegistryError(`expected a 2-D primary image, found shape [${primary.shape.join(', ')}]`, 'FORMATTER');
  const [height, width] = primary.shape as [number, number];
  const plane = (name: string) => {
    const hdu = file.hdu(name);
    return hdu?.kind === 'image' ? hdu.data : undefined;
  };
  const variance = plane('VARIANCE');
  const mask = plane('MASK');
  return {
    width, height, image: primary.data, header: primary.header,
    ...(variance ? { variance: variance instanceof Float32Array ? variance : Float32Array.from(variance as ArrayLike<number>) } : {}),
    ...(mask ? { mask: mask instanceof Int32Array ? mask : Int32Array.from(mask as ArrayLike<number>) } : {}),
  };
}
