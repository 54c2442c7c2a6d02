/**
 * Pixels of simulated raws and their true calibrations. The signal model, in one line:
 *
 *   raw[x, y] = round( (Poisson(flat[x, y] * (sky + stars[x, y])) + N(0, readNoise)) / gain
 *                      + bias[x, y] + overscanLevel(y) ),  clipped to [0, SATURATE]
 *
 * in ADU for the data section; the overscan columns hold `overscanLevel(y)` plus read noise.
 * So ISR recovers sky + stars (electrons) as ((raw - overscan(y)) - bias) * gain / flat,
 * with `bias` (ADU) and `flat` (dimensionless) exactly the calibration images written
 * beside the raws. Stars are Gaussian PSFs integrated over each pixel.
 */
import { SimulationError } from './errors.js';
import type { DetectorModel } from './instrument-model.js';
import { Random } from './random.js';

/** Saturation level of the simulated raws, ADU (data pixels are clipped to it). */
export const SATURATION_ADU = 60000;

/** A point source on a detector: 0-based pixel position of its center and total electrons. */
export interface RawSource {
  readonly x: number;
  readonly y: number;
  readonly electrons: number;
}

/** Everything that decides one raw's pixels. */
export interface RawRenderSpec {
  /** Data-section size and overscan columns (to the right of the data). */
  readonly width: number;
  readonly height: number;
  readonly overscan: number;
  readonly sources: readonly RawSource[];
  /** Gaussian PSF sigma, pixels. */
  readonly psfSigma: number;
  /** Sky level, electrons per pixel before the flat. */
  readonly skyElectrons: number;
  readonly gain: number;
  readonly readNoise: number;
  /** True bias structure (ADU, width x height) left after overscan subtraction. */
  readonly bias: Float32Array;
  /** True flat (width x height), multiplies the incoming signal. */
  readonly flat: Float32Array;
  /** Overscan (bias) level at row 0 and its change over the full height, ADU. */
  readonly overscanLevel: number;
  readonly overscanSlope: number;
  /** Noise stream of this raw. */
  readonly rng: Random;
}

/** Overscan level of row `y` (ADU): linear drift along the readout. */
export function overscanLevelAt(level: number, slope: number, y: number, height: number): number {
  return level + slope * (height > 1 ? y / (height - 1) : 0);
}

/**
 * Expected electrons of the point sources alone (no sky, no flat), width x height. Each
 * source is a circular Gaussian integrated exactly over every pixel within 6 sigma (the
 * missing wings are below 2e-8 of the flux).
 */
export function renderSources(width: number, height: number, sources: readonly RawSource[], sigma: number, into = new Float64Array(width * height)): Float64Array {
  if (!(sigma > 0)) throw new SimulationError(`PSF sigma must be positive, got ${sigma}`, 'SIMULATE_OPTIONS');
  const radius = Math.ceil(6 * sigma);
  const scale = 1 / (Math.SQRT2 * sigma);
  const fx = new Float64Array(2 * radius + 1), fy = new Float64Array(2 * radius + 1);
  for (const s of sources) {
    const ix = Math.round(s.x), iy = Math.round(s.y);
    if (ix + radius < 0 || iy + radius < 0 || ix - radius >= width || iy - radius >= height) continue;
    // Fraction of the flux in each pixel column / row: differences of erf at pixel edges.
    pixelFractions(ix - radius, s.x, scale, fx);
    pixelFractions(iy - radius, s.y, scale, fy);
    for (let j = 0; j < fy.length; j++) {
      const y = iy - radius + j;
      if (y < 0 || y >= height) continue;
      const row = y * width, wy = s.electrons * fy[j]!;
      for (let i = 0; i < fx.length; i++) {
        const x = ix - radius + i;
        if (x >= 0 && x < width) into[row + x]! += wy * fx[i]!;
      }
    }
  }
  return into;
}

function pixelFractions(first: number, center: number, scale: number, out: Float64Array): void {
  let lower = erf((first - 0.5 - center) * scale);
  for (let k = 0; k < out.length; k++) {
    const upper = erf((first + k + 0.5 - center) * scale);
    out[k] = 0.5 * (upper - lower);
    lower = upper;
  }
}

/**
 * The error function through the Chebyshev fit of erfc published in Press et al.,
 * Numerical Recipes (`erfcc`, fractional error below 1.2e-7 everywhere): pixel fractions
 * computed from it sum to the flux to better than 1e-6.
 */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - r : r - 1;
}

/**
 * Renders a raw: data section then `overscan` columns per row, as unsigned 16-bit ADU
 * (stored as FITS BITPIX 16 + BZERO 32768, like real raws). See the module comment.
 */
export function renderRaw(spec: RawRenderSpec): Uint16Array {
  const { width: w, height: h, overscan, rng, gain, readNoise } = spec;
  const n = w * h;
  if (spec.bias.length !== n || spec.flat.length !== n) throw new SimulationError(`bias/flat must have ${w}x${h} pixels`, 'SIMULATE_OPTIONS');
  const signal = renderSources(w, h, spec.sources, spec.psfSigma);
  const rowLength = w + overscan;
  const out = new Uint16Array(rowLength * h);
  const readNoiseAdu = readNoise / gain;
  for (let y = 0; y < h; y++) {
    const level = overscanLevelAt(spec.overscanLevel, spec.overscanSlope, y, h);
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const electrons = rng.poisson(spec.flat[p]! * (spec.skyElectrons + signal[p]!)) + readNoise * rng.normal();
      const adu = Math.round(electrons / gain + spec.bias[p]! + level);
      out[y * rowLength + x] = adu < 0 ? 0 : adu > SATURATION_ADU ? SATURATION_ADU : adu;
    }
    for (let x = w; x < rowLength; x++) {
      const adu = Math.round(level + readNoiseAdu * rng.normal());
      out[y * rowLength + x] = adu < 0 ? 0 : adu > 65535 ? 65535 : adu;
    }
  }
  return out;
}

/**
 * The true bias structure of a detector in one calibration epoch (ADU, after overscan
 * subtraction): a gradient along x, a ripple along y, a warm column and fixed-pattern noise.
 * Each epoch draws its own structure.
 */
export function makeBiasImage(seed: number, detectorId: number, epoch: number, width: number, height: number): Float32Array {
  const rng = Random.stream(seed, 'bias', detectorId, epoch);
  const gradient = rng.uniform(1, 4), ripple = rng.uniform(0.5, 2), period = rng.uniform(20, 60), phase = rng.uniform(0, 2 * Math.PI);
  const warmColumn = rng.int(width), warm = rng.uniform(8, 20);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const r = ripple * Math.sin((2 * Math.PI * y) / period + phase);
    for (let x = 0; x < width; x++) {
      out[y * width + x] = gradient * (x / width) + r + (x === warmColumn ? warm : 0) + 0.8 * rng.normal();
    }
  }
  return out;
}

/**
 * The true flat of a detector through one filter in one epoch: focal-plane vignetting
 * (1 - 0.12 (r / R)^2 with r the focal-plane radius and R the camera's), a band-dependent
 * gradient, 1% pixel-to-pixel response and a 4%-deep dust ring whose place changes with the
 * epoch.
 */
export function makeFlatImage(seed: number, detector: DetectorModel, band: string, epoch: number, width: number, height: number, cameraRadius: number): Float32Array {
  const rng = Random.stream(seed, 'flat', detector.id, band, epoch);
  const tilt = rng.uniform(-0.03, 0.03);
  const dustX = rng.uniform(0.2, 0.8) * width, dustY = rng.uniform(0.2, 0.8) * height, dustR = rng.uniform(0.08, 0.15) * Math.min(width, height);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const fy = detector.centerY + y - (height - 1) / 2;
    for (let x = 0; x < width; x++) {
      const fx = detector.centerX + x - (width - 1) / 2;
      const r2 = (fx * fx + fy * fy) / (cameraRadius * cameraRadius);
      const ring = Math.hypot(x - dustX, y - dustY) - dustR;
      const dust = 1 - 0.04 * Math.exp(-(ring * ring) / (2 * (0.02 * dustR + 1) ** 2));
      out[y * width + x] = (1 - 0.12 * r2) * (1 + tilt * (x / width - 0.5)) * dust * (1 + 0.01 * rng.normal());
    }
  }
  return out;
}
