/**
 * Source detection: the background-subtracted image is smoothed with a Gaussian of the PSF's
 * width (a matched filter for point sources) and its significance computed per pixel as
 * (K * I) / sqrt(K^2 * V) with the variance plane V; 8-connected footprints above the
 * threshold get peaks at the local maxima of the smoothed image. A secondary peak is kept
 * only when it stands `threshold` sigma above the lowest point on the line to a brighter
 * peak of its footprint (a cheap saddle test).
 */

/** Detection settings. */
export interface DetectionOptions {
  /** Gaussian sigma of the smoothing kernel, pixels (about the PSF's). */
  readonly sigma: number;
  /** Significance threshold (number of sigma of the smoothed image). */
  readonly threshold: number;
  /** Mask bits of pixels to ignore (their image and variance count as zero). */
  readonly ignoreMask: number;
  /** Footprints with fewer pixels are dropped. */
  readonly minPixels: number;
}

/** One detected peak. */
export interface DetectedPeak {
  /** Pixel of the maximum. */
  readonly x: number;
  readonly y: number;
  /** Significance of the smoothed image at the peak. */
  readonly significance: number;
  /** Index of its footprint, and how many peaks that footprint kept. */
  readonly footprint: number;
  readonly peaksInFootprint: number;
}

/** Result of {@link detectSources}. */
export interface Detection {
  readonly peaks: readonly DetectedPeak[];
  /** Footprint index + 1 of each pixel (0 outside footprints). */
  readonly footprints: Int32Array;
  readonly footprintCount: number;
  /** The smoothed image and its significance. */
  readonly smoothed: Float32Array;
  readonly significance: Float32Array;
}

/** Normalized 1-D Gaussian kernel (sum 1), radius ceil(4 sigma). */
export function gaussianKernel(sigma: number): Float64Array {
  const r = Math.max(1, Math.ceil(4 * sigma));
  const k = Float64Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const s = k.reduce((a, b) => a + b, 0);
  return k.map((v) => v / s);
}

/** Separable convolution with zero padding outside the image. */
export function convolveSeparable(image: ArrayLike<number>, width: number, height: number, kernel: Float64Array): Float32Array {
  const r = (kernel.length - 1) / 2;
  const tmp = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let s = 0;
      const lo = Math.max(0, x - r), hi = Math.min(width - 1, x + r);
      for (let u = lo; u <= hi; u++) s += kernel[u - x + r]! * image[row + u]!;
      tmp[row + x] = s;
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const lo = Math.max(0, y - r), hi = Math.min(height - 1, y + r);
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let v = lo; v <= hi; v++) s += kernel[v - y + r]! * tmp[v * width + x]!;
      out[y * width + x] = s;
    }
  }
  return out;
}

/** Detects sources in `image` (background already subtracted). */
export function detectSources(image: ArrayLike<number>, variance: ArrayLike<number>, mask: Int32Array | undefined, width: number, height: number, options: DetectionOptions): Detection {
  const { smoothed, noise2, significance } = smoothedSignificance(image, variance, mask, width, height, options);
  const { footprints, regions } = regionsAbove(significance, width, height, options.threshold);
  const peaks: DetectedPeak[] = [];
  let kept = 0;
  // Regions under minPixels are dropped; the rest, renumbered in order, are the footprints.
  for (const pixels of regions) {
    if (pixels.length < options.minPixels) {
      for (const p of pixels) footprints[p] = 0;
      continue;
    }
    const footprint = kept++;
    for (const p of pixels) footprints[p] = footprint + 1;
    const accepted = distinctPeaks(localMaxima(pixels, smoothed, width, height), smoothed, noise2, width, options.threshold);
    for (const p of accepted) {
      const x = p % width;
      peaks.push({ x, y: (p - x) / width, significance: significance[p]!, footprint, peaksInFootprint: accepted.length });
    }
  }
  return { peaks, footprints, footprintCount: kept, smoothed, significance };
}

/** The image smoothed with the PSF-wide Gaussian, the smoothed variance (K^2 * V) and the significance; ignored and non-finite pixels count as zero. */
function smoothedSignificance(
  image: ArrayLike<number>, variance: ArrayLike<number>, mask: Int32Array | undefined, width: number, height: number, options: DetectionOptions,
): { smoothed: Float32Array; noise2: Float32Array; significance: Float32Array } {
  const n = width * height;
  const clean = new Float64Array(n), cleanVar = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    const v = image[p]!, s2 = variance[p]!;
    if (Number.isFinite(v) && Number.isFinite(s2) && !(mask && mask[p]! & options.ignoreMask)) {
      clean[p] = v;
      cleanVar[p] = s2;
    }
  }
  const kernel = gaussianKernel(options.sigma);
  const smoothed = convolveSeparable(clean, width, height, kernel);
  const noise2 = convolveSeparable(cleanVar, width, height, kernel.map((k) => k * k));
  const significance = new Float32Array(n);
  for (let p = 0; p < n; p++) significance[p] = noise2[p]! > 0 ? smoothed[p]! / Math.sqrt(noise2[p]!) : 0;
  return { smoothed, noise2, significance };
}

/** The 8-connected regions above `threshold`: each region's pixels, and each pixel's region index + 1 (0 outside). */
function regionsAbove(significance: Float32Array, width: number, height: number, threshold: number): { footprints: Int32Array; regions: number[][] } {
  const n = width * height;
  const footprints = new Int32Array(n);
  const stack = new Int32Array(n);
  const regions: number[][] = [];
  for (let start = 0; start < n; start++) {
    if (footprints[start] !== 0 || !(significance[start]! > threshold)) continue;
    const id = regions.length + 1;
    const pixels: number[] = [];
    let top = 0;
    stack[top++] = start;
    footprints[start] = id;
    while (top > 0) {
      const p = stack[--top]!;
      pixels.push(p);
      const px = p % width, py = (p - px) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const y = py + dy;
        if (y < 0 || y >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const x = px + dx;
          if (x < 0 || x >= width) continue;
          const q = y * width + x;
          if (footprints[q] === 0 && significance[q]! > threshold) {
            footprints[q] = id;
            stack[top++] = q;
          }
        }
      }
    }
    regions.push(pixels);
  }
  return { footprints, regions };
}

/** The pixels of `pixels` that are local maxima of the smoothed image (ties broken toward the lower index). */
function localMaxima(pixels: readonly number[], smoothed: Float32Array, width: number, height: number): number[] {
  const maxima: number[] = [];
  for (const p of pixels) {
    const px = p % width, py = (p - px) / width, v = smoothed[p]!;
    let isMax = true;
    for (let dy = -1; dy <= 1 && isMax; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        if (dx === 0 && dy === 0) continue;
        const x = px + dx, y = py + dy;
        if (x < 0 || y < 0 || x >= width || y >= height) continue;
        const q = y * width + x;
        const w = smoothed[q]!;
        if (w > v || (w === v && q < p)) {
          isMax = false;
          break;
        }
      }
    }
    if (isMax) maxima.push(p);
  }
  return maxima;
}

/** The maxima, brightest first, each kept when it stands apart from every brighter one kept. */
function distinctPeaks(maxima: number[], smoothed: Float32Array, noise2: Float32Array, width: number, threshold: number): number[] {
  maxima.sort((a, b) => smoothed[b]! - smoothed[a]!);
  const accepted: number[] = [];
  for (const p of maxima) {
    if (accepted.length === 0 || accepted.every((q) => standsApart(p, q, smoothed, noise2, width, threshold))) accepted.push(p);
  }
  return accepted;
}

/** Whether peak p rises `threshold` noise sigma above the lowest smoothed value on the segment to brighter peak q. */
function standsApart(p: number, q: number, smoothed: Float32Array, noise2: Float32Array, width: number, threshold: number): boolean {
  const px = p % width, py = (p - px) / width, qx = q % width, qy = (q - qx) / width;
  const steps = Math.max(Math.abs(qx - px), Math.abs(qy - py));
  let lowest = Infinity;
  for (let s = 1; s < steps; s++) {
    const x = Math.round(px + ((qx - px) * s) / steps), y = Math.round(py + ((qy - py) * s) / steps);
    lowest = Math.min(lowest, smoothed[y * width + x]!);
  }
  if (lowest === Infinity) return false;
  return smoothed[p]! - lowest > threshold * Math.sqrt(noise2[p]!);
}
