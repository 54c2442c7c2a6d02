/**
 * The simulated sky map: one tract, a TAN pixel grid cut into N x N patches that overlap
 * their neighbours by a border (like LSST's discrete sky maps). Patch regions are the sky
 * images of their outer (bordered) pixel boxes; since TAN maps straight lines to great
 * circles, the four corners describe each region exactly.
 */
import { ConvexPolygon, type Vector3 } from '../../registry/index.js';
import { SimulationError } from './errors.js';
import { TanProjection, type TanWcsParameters } from './tan-projection.js';

/** An integer pixel box: pixels x0..x0+width-1 and y0..y0+height-1 (0-based pixel centers). */
export interface PixelBox {
  readonly x0: number;
  readonly y0: number;
  readonly width: number;
  readonly height: number;
}

/** One patch of the tract. */
export interface PatchModel {
  /** `cellY * patchesPerSide + cellX`. */
  readonly id: number;
  readonly cellX: number;
  readonly cellY: number;
  /** The patch proper, in tract pixels. */
  readonly inner: PixelBox;
  /** The patch with its overlap border, in tract pixels: what a coadd of the patch covers. */
  readonly outer: PixelBox;
  /** Sky region of `outer`. */
  readonly region: ConvexPolygon;
}

/** What defines the sky map. */
export interface SkyMapSpec {
  readonly name: string;
  /** Tract center [RA, Dec], degrees. */
  readonly center: readonly [number, number];
  readonly pixelScaleArcsec: number;
  readonly patchesPerSide: number;
  readonly patchInnerPixels: number;
  readonly patchBorderPixels: number;
}

/**
 * The `skyMap` dataset's content (storage class SkyMap, JSON): enough for makeWarp to build
 * each patch's WCS. Pixel boxes are 0-based; `wcs.crpix` is FITS 1-based; a patch's WCS is
 * the tract WCS with its pixel origin moved to the patch box's (x0, y0).
 */
export interface SkyMapDescription {
  readonly name: string;
  readonly kind: 'qg.TanTractSkyMap';
  readonly version: 1;
  readonly pixelConvention: string;
  readonly tracts: readonly {
    readonly id: number;
    readonly wcs: TanWcsParameters & { readonly ctype: readonly [string, string] };
    readonly pixelScaleArcsec: number;
    readonly numPatches: readonly [number, number];
    readonly patchInnerDimensions: readonly [number, number];
    readonly patchBorder: number;
    readonly innerBBox: PixelBox;
    readonly outerBBox: PixelBox;
    readonly corners: readonly (readonly [number, number])[];
    readonly patches: readonly {
      readonly id: number;
      readonly cellX: number;
      readonly cellY: number;
      readonly innerBBox: PixelBox;
      readonly outerBBox: PixelBox;
      readonly corners: readonly (readonly [number, number])[];
    }[];
  }[];
}

/** The tract and its patches; immutable. */
export class SkyMapModel {
  readonly name: string;
  readonly tractId = 0;
  readonly patchesPerSide: number;
  readonly patchInnerPixels: number;
  readonly patchBorderPixels: number;
  readonly pixelScaleArcsec: number;
  /** Tract WCS: tract pixels (0-based) to sky; the inner tract spans [0, N * inner) on both axes. */
  readonly wcs: TanProjection;
  readonly patches: readonly PatchModel[];
  /** Tract pixels covered by the patches' outer boxes. */
  readonly outer: PixelBox;
  readonly inner: PixelBox;
  /** Sky region of `outer`. */
  readonly tractRegion: ConvexPolygon;

  constructor(spec: SkyMapSpec) {
    const n = spec.patchesPerSide;
    if (!Number.isInteger(n) || n < 1 || n > 100) throw new SimulationError(`patches per side must be an integer in 1..100, got ${n}`, 'SIMULATE_OPTIONS');
    this.name = spec.name;
    this.patchesPerSide = n;
    this.patchInnerPixels = spec.patchInnerPixels;
    this.patchBorderPixels = spec.patchBorderPixels;
    this.pixelScaleArcsec = spec.pixelScaleArcsec;
    const size = n * spec.patchInnerPixels;
    // The tract center falls on the middle of the inner box.
    this.wcs = TanProjection.rotated(spec.center, [(size - 1) / 2 + 1, (size - 1) / 2 + 1], spec.pixelScaleArcsec / 3600, 0);
    const b = spec.patchBorderPixels;
    this.inner = { x0: 0, y0: 0, width: size, height: size };
    this.outer = { x0: -b, y0: -b, width: size + 2 * b, height: size + 2 * b };
    this.tractRegion = this.boxRegion(this.outer);
    const patches: PatchModel[] = [];
    for (let cy = 0; cy < n; cy++) {
      for (let cx = 0; cx < n; cx++) {
        const inner = { x0: cx * spec.patchInnerPixels, y0: cy * spec.patchInnerPixels, width: spec.patchInnerPixels, height: spec.patchInnerPixels };
        const outer = { x0: inner.x0 - b, y0: inner.y0 - b, width: inner.width + 2 * b, height: inner.height + 2 * b };
        patches.push({ id: cy * n + cx, cellX: cx, cellY: cy, inner, outer, region: this.boxRegion(outer) });
      }
    }
    this.patches = patches;
  }

  /** Sky corners [RA, Dec] of a pixel box's outer edges, counter-clockwise in pixels. */
  boxCorners(box: PixelBox): [number, number][] {
    const x0 = box.x0 - 0.5, y0 = box.y0 - 0.5, x1 = box.x0 + box.width - 0.5, y1 = box.y0 + box.height - 0.5;
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]].map(([x, y]) => this.wcs.pixelToSky(x!, y!));
  }

  private boxRegion(box: PixelBox): ConvexPolygon {
    const x0 = box.x0 - 0.5, y0 = box.y0 - 0.5, x1 = box.x0 + box.width - 0.5, y1 = box.y0 + box.height - 0.5;
    return new ConvexPolygon([[x0, y0], [x1, y0], [x1, y1], [x0, y1]].map(([x, y]) => this.wcs.pixelToVector(x!, y!) as Vector3));
  }

  /**
   * Ids of patches whose outer box meets the axis-aligned tract-pixel box [x0, x1] x [y0, y1]
   * (a cheap prefilter before exact region tests).
   */
  patchesInPixelBox(x0: number, y0: number, x1: number, y1: number): number[] {
    const { patchInnerPixels: p, patchBorderPixels: b, patchesPerSide: n } = this;
    // Patch c's outer box spans [c*p - b - 0.5, (c+1)*p + b - 0.5].
    const lo = (v: number) => Math.max(0, Math.floor((v + 0.5 - b) / p) - 1);
    const hi = (v: number) => Math.min(n - 1, Math.floor((v + 0.5 + b) / p) + 1);
    if (x1 < this.outer.x0 - 0.5 || y1 < this.outer.y0 - 0.5 || x0 > this.outer.x0 + this.outer.width || y0 > this.outer.y0 + this.outer.height) return [];
    const ids: number[] = [];
    for (let cy = lo(y0); cy <= hi(y1); cy++) {
      for (let cx = lo(x0); cx <= hi(x1); cx++) {
        const o = this.patches[cy * n + cx]!.outer;
        if (x1 >= o.x0 - 0.5 && x0 <= o.x0 + o.width - 0.5 && y1 >= o.y0 - 0.5 && y0 <= o.y0 + o.height - 0.5) ids.push(cy * n + cx);
      }
    }
    return ids;
  }

  /** The `skyMap` dataset content. */
  describe(): SkyMapDescription {
    const n = this.patchesPerSide;
    return {
      name: this.name,
      kind: 'qg.TanTractSkyMap',
      version: 1,
      pixelConvention: 'pixel boxes are 0-based (x0, y0, width, height); wcs.crpix is FITS 1-based; a patch WCS is the tract WCS with crpix - (x0, y0) of the patch box',
      tracts: [{
        id: this.tractId,
        wcs: { ...this.wcs.toJSON(), ctype: ['RA---TAN', 'DEC--TAN'] },
        pixelScaleArcsec: this.pixelScaleArcsec,
        numPatches: [n, n],
        patchInnerDimensions: [this.patchInnerPixels, this.patchInnerPixels],
        patchBorder: this.patchBorderPixels,
        innerBBox: this.inner,
        outerBBox: this.outer,
        corners: this.boxCorners(this.outer),
        patches: this.patches.map((p) => ({ id: p.id, cellX: p.cellX, cellY: p.cellY, innerBBox: p.inner, outerBBox: p.outer, corners: this.boxCorners(p.outer) })),
      }],
    };
  }
}
