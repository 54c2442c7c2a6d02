/**
 * What the mosaic knows of its tiles. A {@link TileSource} gives a FITS image's header and
 * pixels separately, so that the header is read (once) for every check and the pixels only
 * when a check or the build needs them. {@link TileInfo} is a tile's header decoded once:
 * grid, restoring beam, noise and whether it is primary-beam corrected; every validator and
 * the build use it and never look at the header again.
 */
import type { Exposure, FitsHeader } from '../../registry/index.js';
import { headerNumber } from '../image/header-cards.js';
import { TanWcs } from '../image/tan-wcs.js';
import { RadioError } from './errors.js';

/** A FITS image whose header and pixels are read apart. */
export interface TileSource {
  header(): FitsHeader;
  pixels(): Float32Array;
}

/** A tile and its primary beam, with a name for messages (its data ID). */
export interface MosaicTile {
  readonly name: string;
  readonly image: TileSource;
  /** Absent when the tile has no primary-beam dataset (the existence check rejects it). */
  readonly beam?: TileSource;
}

/** A tile's header, decoded once. */
export interface TileInfo {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly wcs: TanWcs;
  readonly beamWcs: TanWcs;
  readonly beamWidth: number;
  readonly beamHeight: number;
  /** Restoring beam FWHMs and position angle, degrees. */
  readonly bmaj: number;
  readonly bmin: number;
  readonly bpa: number;
  /** Noise, Jy/beam. */
  readonly rms: number;
  readonly pbcor: boolean;
  /** Mean frequency of the tile, Hz. */
  readonly frequencyHz: number;
}

/** An exposure the engine read, as a tile source (header and pixels already in memory). */
export function exposureSource(e: Exposure): TileSource {
  if (!(e.image instanceof Float32Array)) throw new RadioError(`a tile must hold 32-bit float pixels, not ${e.image.constructor.name}`, 'RADIO_INPUT');
  const pixels = e.image;
  return { header: () => e.header, pixels: () => pixels };
}

/** Decodes the headers of `tile` (each read exactly once); RADIO_INPUT when a card is missing. */
export function tileInfo(tile: MosaicTile & { readonly beam: TileSource }): TileInfo {
  const h = tile.image.header(), b = tile.beam.header();
  const number = (header: FitsHeader, keyword: string) => {
    try {
      return headerNumber(header, keyword);
    } catch {
      throw new RadioError(`tile ${tile.name}: header keyword ${keyword} is missing or not a number`, 'RADIO_INPUT');
    }
  };
  return {
    name: tile.name, width: number(h, 'NAXIS1'), height: number(h, 'NAXIS2'), wcs: TanWcs.fromHeader(h),
    beamWcs: TanWcs.fromHeader(b), beamWidth: number(b, 'NAXIS1'), beamHeight: number(b, 'NAXIS2'),
    bmaj: number(h, 'BMAJ'), bmin: number(h, 'BMIN'), bpa: number(h, 'BPA'), rms: number(h, 'RMSNOISE'), pbcor: h.get('PBCOR') === true, frequencyHz: number(h, 'FREQ'),
  };
}
