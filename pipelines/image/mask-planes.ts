/**
 * Mask planes: one bit each in the Int32 MASK image, LSST's bit numbers. The bits are
 * recorded in the primary header as `MP_<NAME> = <bit>` cards (short names where afw's are
 * too long for an 8-character keyword: see {@link MASK_KEYWORDS}). Bits 16..30 of a coadd's mask hold its exposure
 * count instead (see {@link COUNT_SHIFT}).
 */
import type { FitsCard } from '../../registry/index.js';

/** Bit numbers of the mask planes. */
export const MASK_BITS = Object.freeze({
  /** Bad detector pixel (flat too low, not finite after ISR). */
  BAD: 0,
  /** At or above the saturation level in the raw. */
  SAT: 1,
  INTRP: 2,
  CR: 3,
  /** Too close to the image edge for a full measurement or resampling kernel. */
  EDGE: 4,
  /** Part of a detected source footprint. */
  DETECTED: 5,
  DETECTED_NEGATIVE: 6,
  SUSPECT: 7,
  /** No data: outside every input image. */
  NO_DATA: 8,
} as const);

/** A mask-plane name. */
export type MaskPlane = keyof typeof MASK_BITS;

/** The bit value of a plane (1 << bit). */
export function maskBit(plane: MaskPlane): number {
  return 1 << MASK_BITS[plane];
}

/** OR of the bits of `planes`; throws a TypeError for an unknown name (configs are user input). */
export function maskBits(planes: readonly string[]): number {
  let bits = 0;
  for (const p of planes) {
    if (!(p in MASK_BITS)) throw new TypeError(`unknown mask plane '${p}' (known: ${Object.keys(MASK_BITS).join(', ')})`);
    bits |= maskBit(p as MaskPlane);
  }
  return bits;
}

/** Mask bits 0..15 are planes; a coadd keeps its exposure count in bits 16..30: `count = mask >>> COUNT_SHIFT`. */
export const COUNT_SHIFT = 16;
/** Largest exposure count the mask can hold. */
export const MAX_COUNT = (1 << 15) - 1;
/** The plane bits of a mask value (the count removed). */
export const PLANE_BITS = (1 << COUNT_SHIFT) - 1;

/** Header keyword of each plane's bit number. */
export const MASK_KEYWORDS: Readonly<Record<MaskPlane, string>> = Object.freeze({
  BAD: 'MP_BAD', SAT: 'MP_SAT', INTRP: 'MP_INTRP', CR: 'MP_CR', EDGE: 'MP_EDGE',
  DETECTED: 'MP_DET', DETECTED_NEGATIVE: 'MP_DETNG', SUSPECT: 'MP_SUSP', NO_DATA: 'MP_NODAT',
});

/** The `MP_*` header cards describing the planes. */
export function maskPlaneCards(): FitsCard[] {
  return (Object.entries(MASK_BITS) as [MaskPlane, number][]).map(([name, bit]) => ({
    keyword: MASK_KEYWORDS[name],
    value: bit,
    comment: `mask bit of plane ${name}`,
    numberFormat: 'int' as const,
  }));
}
