/**
 * Patch geometry from a `skyMap` dataset (storage class SkyMap, JSON; the simulator writes
 * `qg.TanTractSkyMap`): each tract has a TAN WCS over tract pixels, and each patch an outer
 * pixel box (the patch with its overlap border; x0/y0 may be negative). A patch's image grid
 * is that box: its WCS is the tract WCS with the origin moved to (x0, y0).
 */
import { ImageError } from './errors.js';
import type { PixelBox } from './fits-section.js';
import { TanWcs, type CdMatrix } from './tan-wcs.js';

/** The grid of one patch. */
export interface PatchGrid {
  readonly tract: number;
  readonly patch: number;
  /** Outer box in tract pixels. */
  readonly box: PixelBox;
  /** Inner box (without the border) in tract pixels. */
  readonly inner?: PixelBox;
  /** WCS of the patch image (pixel (0, 0) = tract pixel (x0, y0)). */
  readonly wcs: TanWcs;
}

function isBox(v: unknown): v is PixelBox {
  const b = v as PixelBox;
  return typeof v === 'object' && v !== null && [b.x0, b.y0, b.width, b.height].every((n) => Number.isInteger(n)) && b.width > 0 && b.height > 0;
}

/**
 * The grid of patch `patch` of tract `tract`. Throws {@link ImageError} `IMAGE_SKYMAP` when
 * the sky map lacks them or is malformed.
 */
export function patchGrid(skyMap: unknown, tract: number, patch: number): PatchGrid {
  const tracts = (skyMap as { tracts?: unknown })?.tracts;
  if (!Array.isArray(tracts)) throw new ImageError('the sky map has no tracts list', 'IMAGE_SKYMAP');
  const t = tracts.find((x: { id?: unknown }) => Number(x?.id) === Number(tract)) as
    | { wcs?: { crval?: [number, number]; crpix?: [number, number]; cd?: CdMatrix; ctype?: [string, string] }; patches?: { id?: unknown; outerBBox?: unknown; innerBBox?: unknown }[] }
    | undefined;
  if (!t) throw new ImageError(`the sky map has no tract ${tract}`, 'IMAGE_SKYMAP');
  const w = t.wcs;
  if (!w || !Array.isArray(w.crval) || !Array.isArray(w.crpix) || !Array.isArray(w.cd)) throw new ImageError(`tract ${tract} has no TAN WCS (crval, crpix, cd)`, 'IMAGE_SKYMAP');
  if (w.ctype && (w.ctype[0] !== 'RA---TAN' || w.ctype[1] !== 'DEC--TAN')) throw new ImageError(`tract ${tract} has projection ${w.ctype.join('/')}; only TAN is supported`, 'IMAGE_SKYMAP');
  const p = t.patches?.find((x) => Number(x?.id) === Number(patch));
  if (!p) throw new ImageError(`tract ${tract} of the sky map has no patch ${patch}`, 'IMAGE_SKYMAP');
  if (!isBox(p.outerBBox)) throw new ImageError(`patch ${patch} of tract ${tract} has no valid outerBBox`, 'IMAGE_SKYMAP');
  const tractWcs = new TanWcs({ crval: w.crval, crpix: w.crpix, cd: w.cd });
  const box = p.outerBBox;
  return { tract, patch, box, ...(isBox(p.innerBBox) ? { inner: p.innerBBox } : {}), wcs: tractWcs.withOrigin(box.x0, box.y0) };
}
