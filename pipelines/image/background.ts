/**
 * Sky background: a robust level in each cell of a mesh (3-sigma clipped median or mean of
 * the unmasked pixels), a 3x3 median filter over the mesh to reject cells dominated by a
 * bright star (narrowed to stay symmetric at the mesh edges, so gradients survive), then bilinear interpolation between cell centers (constant beyond the outer
 * centers).
 */
import { clippedStats, medianInPlace } from './statistics.js';

/** How the background is measured. */
export interface BackgroundOptions {
  /** Cell size in pixels (cells are as square as the image allows). */
  readonly meshSize: number;
  /** Mask bits whose pixels are left out (sources, bad pixels, no data). */
  readonly ignoreMask: number;
  /** Level of each cell: clipped median (robust to sources) or clipped mean (less noisy, once sources are masked). */
  readonly statistic: 'median' | 'mean';
}

/** A background model. */
export interface BackgroundModel {
  readonly nx: number;
  readonly ny: number;
  /** Cell levels, row-major (ny x nx), after the median filter. */
  readonly cells: Float64Array;
  /** Pixel coordinates of the cell centers along x and y. */
  readonly centersX: Float64Array;
  readonly centersY: Float64Array;
  /** Mean of the cell levels. */
  readonly mean: number;
  /** Median of the clipped per-cell noise (sigma of the pixels about the level). */
  readonly noise: number;
}

/** Measures the background of a `width` x `height` image. Pixels that are not finite are ignored. */
export function estimateBackground(image: ArrayLike<number>, width: number, height: number, mask: Int32Array | undefined, options: BackgroundOptions): BackgroundModel {
  const nx = Math.max(1, Math.round(width / options.meshSize));
  const ny = Math.max(1, Math.round(height / options.meshSize));
  const edgesX = Float64Array.from({ length: nx + 1 }, (_, i) => Math.round((i * width) / nx));
  const edgesY = Float64Array.from({ length: ny + 1 }, (_, j) => Math.round((j * height) / ny));
  const raw = new Float64Array(nx * ny).fill(NaN);
  const noises: number[] = [];
  const buffer = new Float64Array(Math.ceil(width / nx + 1) * Math.ceil(height / ny + 1));
  const scratch = new Float64Array(buffer.length);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      let n = 0;
      const cellPixels = (edgesX[i + 1]! - edgesX[i]!) * (edgesY[j + 1]! - edgesY[j]!);
      for (let y = edgesY[j]!; y < edgesY[j + 1]!; y++) {
        for (let x = edgesX[i]!; x < edgesX[i + 1]!; x++) {
          const p = y * width + x;
          const v = image[p]!;
          if (Number.isFinite(v) && !(mask && mask[p]! & options.ignoreMask)) buffer[n++] = v;
        }
      }
      // A cell needs a tenth of its pixels (and at least 10) to have a level of its own.
      if (n < Math.max(10, 0.1 * cellPixels)) continue;
      const s = clippedStats(buffer, n, 3, 5, scratch);
      raw[j * nx + i] = options.statistic === 'mean' ? s.mean : s.median;
      if (s.sigma > 0) noises.push(s.sigma);
    }
  }
  // Empty cells take the median of the measured ones.
  const measured = raw.filter(Number.isFinite);
  const fallback = measured.length > 0 ? medianInPlace(Float64Array.from(measured)) : 0;
  for (let k = 0; k < raw.length; k++) if (!Number.isFinite(raw[k]!)) raw[k] = fallback;
  const cells = new Float64Array(nx * ny);
  const window = new Float64Array(9);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      // A window symmetric about the cell (narrower at the edges), so a linear gradient is kept.
      const ki = Math.min(1, i, nx - 1 - i), kj = Math.min(1, j, ny - 1 - j);
      let n = 0;
      for (let jj = j - kj; jj <= j + kj; jj++) for (let ii = i - ki; ii <= i + ki; ii++) window[n++] = raw[jj * nx + ii]!;
      cells[j * nx + i] = medianInPlace(window, n);
    }
  }
  let mean = 0;
  for (const c of cells) mean += c;
  const centersX = Float64Array.from({ length: nx }, (_, i) => (edgesX[i]! + edgesX[i + 1]! - 1) / 2);
  const centersY = Float64Array.from({ length: ny }, (_, j) => (edgesY[j]! + edgesY[j + 1]! - 1) / 2);
  return { nx, ny, cells, centersX, centersY, mean: mean / cells.length, noise: noises.length > 0 ? medianInPlace(Float64Array.from(noises)) : NaN };
}

/** The background image of a model: bilinear between cell centers, constant beyond them. */
export function backgroundImage(model: BackgroundModel, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  const ix = cellWeights(model.centersX, width), iy = cellWeights(model.centersY, height);
  const { nx, cells } = model;
  for (let y = 0; y < height; y++) {
    const j0 = iy.index[y]!, fy = iy.frac[y]!, j1 = Math.min(j0 + 1, model.ny - 1);
    for (let x = 0; x < width; x++) {
      const i0 = ix.index[x]!, fx = ix.frac[x]!, i1 = Math.min(i0 + 1, nx - 1);
      const top = cells[j0 * nx + i0]! * (1 - fx) + cells[j0 * nx + i1]! * fx;
      const bottom = cells[j1 * nx + i0]! * (1 - fx) + cells[j1 * nx + i1]! * fx;
      out[y * width + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** For each pixel along an axis: the cell center at or before it and the fraction toward the next one. */
function cellWeights(centers: Float64Array, length: number): { index: Int32Array; frac: Float64Array } {
  const index = new Int32Array(length), frac = new Float64Array(length);
  let k = 0;
  for (let p = 0; p < length; p++) {
    while (k + 1 < centers.length && centers[k + 1]! <= p) k++;
    index[p] = k;
    if (p <= centers[0]!) frac[p] = 0;
    else if (k + 1 >= centers.length) frac[p] = 0;
    else frac[p] = (p - centers[k]!) / (centers[k + 1]! - centers[k]!);
  }
  return { index, frac };
}
