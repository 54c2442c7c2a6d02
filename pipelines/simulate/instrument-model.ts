/**
 * The simulated camera: a grid of identical detectors on a flat focal plane with no optical
 * distortion, so each detector's true WCS is an exact TAN projection about the boresight.
 * Focal-plane coordinates are in pixels, origin at the boresight, axes along the detector
 * pixel axes; a visit's rotation turns them on the sky.
 */
import { ConvexPolygon, type Vector3 } from '../../registry/index.js';
import { SimulationError } from './errors.js';
import { TanProjection } from './tan-projection.js';

/** Where the telescope pointed: boresight [RA, Dec] (degrees) and sky rotation (degrees east of north of the focal plane's +y axis). */
export interface Pointing {
  readonly ra: number;
  readonly dec: number;
  readonly rotation: number;
}

/** One detector's place in the camera and its electronics. */
export interface DetectorModel {
  readonly id: number;
  /** Column and row in the detector grid. */
  readonly ix: number;
  readonly iy: number;
  readonly raft: string;
  readonly nameInRaft: string;
  /** `R<raft>_S<sensor>`, LSSTCam's style. */
  readonly fullName: string;
  /** Focal-plane position (pixels) of the detector's center. */
  readonly centerX: number;
  readonly centerY: number;
  /** Electrons per ADU. */
  readonly gain: number;
  /** Read noise, electrons. */
  readonly readNoise: number;
}

/** What defines a camera. */
export interface InstrumentSpec {
  readonly name: string;
  readonly detectorCount: number;
  /** Data-section size of every detector, pixels. */
  readonly width: number;
  readonly height: number;
  /** Serial overscan columns to the right of the data section. */
  readonly overscan: number;
  /** Gap between neighbouring detectors, pixels. */
  readonly gap: number;
  readonly pixelScaleArcsec: number;
}

/** Columns x rows for `n` detectors: the most square exact factorization, else a near-square grid with a partial top row. */
export function detectorGrid(n: number): [nx: number, ny: number] {
  if (!Number.isInteger(n) || n < 1) throw new SimulationError(`detector count must be a positive integer, got ${n}`, 'SIMULATE_OPTIONS');
  for (let ny = Math.floor(Math.sqrt(n)); ny >= 1; ny--) {
    if (n % ny === 0 && n / ny <= 2 * ny) return [n / ny, ny];
  }
  const nx = Math.ceil(Math.sqrt(n));
  return [nx, Math.ceil(n / nx)];
}

/** The camera model; immutable. */
export class InstrumentModel {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly overscan: number;
  readonly gap: number;
  readonly pixelScaleArcsec: number;
  readonly pixelScaleDeg: number;
  readonly detectors: readonly DetectorModel[];
  /** Grid size (columns, rows). */
  readonly grid: readonly [number, number];
  /** Focal-plane outline (pixels, counter-clockwise), the hull of every detector's corners. */
  readonly outline: readonly (readonly [number, number])[];
  /** Largest focal-plane distance (pixels) of any detector corner from the boresight. */
  readonly radius: number;

  constructor(spec: InstrumentSpec) {
    for (const key of ['width', 'height', 'detectorCount'] as const) {
      if (!Number.isInteger(spec[key]) || spec[key] < 1) throw new SimulationError(`${key} must be a positive integer, got ${spec[key]}`, 'SIMULATE_OPTIONS');
    }
    if (spec.detectorCount > 400) throw new SimulationError(`at most 400 detectors are supported, got ${spec.detectorCount}`, 'SIMULATE_OPTIONS');
    this.name = spec.name;
    this.width = spec.width;
    this.height = spec.height;
    this.overscan = spec.overscan;
    this.gap = spec.gap;
    this.pixelScaleArcsec = spec.pixelScaleArcsec;
    this.pixelScaleDeg = spec.pixelScaleArcsec / 3600;
    const [nx, ny] = detectorGrid(spec.detectorCount);
    this.grid = [nx, ny];
    const pitchX = spec.width + spec.gap, pitchY = spec.height + spec.gap;
    const detectors: DetectorModel[] = [];
    for (let id = 0; id < spec.detectorCount; id++) {
      const ix = id % nx, iy = Math.floor(id / nx);
      // LSSTCam-like naming: 3x3 sensors per raft.
      const raft = `R${Math.floor(iy / 3)}${Math.floor(ix / 3)}`;
      const nameInRaft = `S${iy % 3}${ix % 3}`;
      detectors.push({
        id, ix, iy, raft, nameInRaft, fullName: `${raft}_${nameInRaft}`,
        centerX: (ix - (nx - 1) / 2) * pitchX,
        centerY: (iy - (ny - 1) / 2) * pitchY,
        // Fixed per detector (an instrument property, not a random draw).
        gain: 1.4 + 0.3 * fract(id * 0.6180339887),
        readNoise: 4.5 + 1.5 * fract(id * 0.4142135624 + 0.25),
      });
    }
    this.detectors = detectors;
    const corners: [number, number][] = [];
    for (const d of detectors) for (const [x, y] of this.cornerPixels(0)) corners.push([d.centerX + x - (this.width - 1) / 2, d.centerY + y - (this.height - 1) / 2]);
    this.outline = planarHull(corners);
    this.radius = Math.max(...corners.map(([x, y]) => Math.hypot(x, y)));
  }

  /** The detector with id `id`. */
  detector(id: number): DetectorModel {
    const d = this.detectors[id];
    if (!d) throw new SimulationError(`${this.name} has no detector ${id}`, 'SIMULATE_OPTIONS');
    return d;
  }

  /** Corners (0-based pixel coordinates of the data section's outer pixel edges, grown by `pad`), counter-clockwise. */
  cornerPixels(pad: number): [number, number][] {
    const x0 = -0.5 - pad, y0 = -0.5 - pad, x1 = this.width - 0.5 + pad, y1 = this.height - 0.5 + pad;
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
  }

  /** The true WCS of `detector`'s pixels (data section; overscan columns lie beyond x = width - 1). */
  detectorWcs(pointing: Pointing, detector: DetectorModel): TanProjection {
    // Detector pixel (x, y) sits at focal-plane (x - (w-1)/2 + cx, y - (h-1)/2 + cy); the boresight is focal-plane (0, 0).
    const crpix: [number, number] = [(this.width - 1) / 2 - detector.centerX + 1, (this.height - 1) / 2 - detector.centerY + 1];
    return TanProjection.rotated([pointing.ra, pointing.dec], crpix, this.pixelScaleDeg, pointing.rotation);
  }

  /** The TAN projection of focal-plane pixel coordinates (origin at the boresight). */
  focalPlaneWcs(pointing: Pointing): TanProjection {
    return TanProjection.rotated([pointing.ra, pointing.dec], [1, 1], this.pixelScaleDeg, pointing.rotation);
  }

  /** Region of `detector`'s data section on the sky (its four corners; TAN maps its straight edges to great circles). */
  detectorRegion(pointing: Pointing, detector: DetectorModel, wcs = this.detectorWcs(pointing, detector)): ConvexPolygon {
    return new ConvexPolygon(this.cornerPixels(0).map(([x, y]) => wcs.pixelToVector(x, y) as Vector3));
  }

  /**
   * Region of the whole focal plane: the hull of every detector corner, grown by `pad`
   * pixels (so detector regions lie strictly inside despite rounding).
   */
  visitRegion(pointing: Pointing, pad = 2): ConvexPolygon {
    const wcs = this.focalPlaneWcs(pointing);
    return new ConvexPolygon(this.outline.map(([x, y]) => {
      const r = Math.hypot(x, y);
      const grow = r > 0 ? (r + pad * Math.SQRT2) / r : 1;
      return wcs.pixelToVector(x * grow, y * grow) as Vector3;
    }));
  }
}

function fract(x: number): number {
  return x - Math.floor(x);
}

/** Convex hull of planar points (Andrew's monotone chain), counter-clockwise, collinear points dropped. */
function planarHull(points: readonly (readonly [number, number])[]): [number, number][] {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: readonly [number, number], a: readonly [number, number], b: readonly [number, number]) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: (readonly [number, number])[] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: (readonly [number, number])[] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, q) <= 0) upper.pop();
    upper.push(q);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)].map(([x, y]) => [x, y]);
}
