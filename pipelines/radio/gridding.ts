/**
 * Convolutional gridding and the FFT (Thompson, Moran & Swenson ch. 10; Jackson et al. 1991
 * for the Kaiser-Bessel kernel): each Stokes-I sample (every unflagged XX or YY of an
 * unpolarized sky, weight `nsamples`, natural weighting) and its Hermitian conjugate are
 * spread onto a uv grid of N = 2 npix cells by a separable Kaiser-Bessel kernel of
 * {@link KERNEL_WIDTH} cells; an inverse FFT gives the image, divided by the kernel's Fourier
 * transform (the gridding correction). The grid is sampled in direction cosines (l, m): a SIN
 * grid about the phase centre, east to the left (pixel x = c - l / cell), north up. The dirty
 * image is the central npix x npix; the PSF keeps all N x N so it can be shifted to any pixel
 * of the image. Both are scaled so that the PSF's peak is exactly 1 (Jy/beam). For a two-term
 * multi-frequency CLEAN (Rau & Cornwell 2011, A&A 532, A71) the samples are also gridded
 * times t = (nu - nu0) / nu0 about the weighted mean frequency nu0 (the dirty image of the
 * spectral slope) and the weights times t and t^2 (its PSFs).
 */
import FFT from 'fft.js';
import { robustRms } from './clean.js';
import { SPEED_OF_LIGHT } from './primary-beam.js';
import { RadioError } from './errors.js';
import type { UvData } from './uvh5.js';

/** Kernel support, cells. */
const KERNEL_WIDTH = 7;
/** Kernel samples per cell in its lookup table. */
const OVERSAMPLE = 64;
/** Kaiser-Bessel shape for a grid padded twice (Beatty et al. 2005, eq. 5, alpha = 2). */
const BETA = Math.PI * Math.sqrt((KERNEL_WIDTH / 2) ** 2 * 1.5 ** 2 - 0.8);

/** What is imaged: `npix` x `npix` pixels of `cellRad` radians (npix a power of two). */
export interface GridSpec {
  readonly npix: number;
  readonly cellRad: number;
}

/** A dirty image and its PSF, on the SIN grid, with the Taylor terms of a two-term CLEAN, and the weight they came from. */
export interface DirtyImage {
  readonly npix: number;
  /** npix x npix, x fastest; the phase centre is pixel (npix / 2, npix / 2). */
  readonly dirty: Float64Array;
  /** The same of the samples times t. */
  readonly dirtySlope: Float64Array;
  /** 2 npix x 2 npix, peak 1 at (npix, npix). */
  readonly psf: Float64Array;
  /** The PSFs of the weights times t and t^2, on the same grid and scale. */
  readonly psfT: Float64Array;
  readonly psfT2: Float64Array;
  /** sqrt(sum w^2) / sum w over the Stokes-I samples: the image noise per unit of visibility noise (per component). */
  readonly noiseGain: number;
  /** Each channel's share of the weight (for the primary beam of a multi-frequency image). */
  readonly channelWeights: Float64Array;
  /** nu0: the weighted mean frequency, Hz. */
  readonly referenceHz: number;
}

/**
 * Noise per visibility component (real or imaginary), Jy: 1.4826 MAD of the unflagged
 * (XX - YY) / sqrt 2, in which an unpolarized sky cancels; undefined without both XX and YY.
 */
export function visibilityNoise(data: UvData): number | undefined {
  const xx = data.polarization.indexOf(-5), yy = data.polarization.indexOf(-6), np = data.polarization.length;
  if (xx < 0 || yy < 0) return undefined;
  const pairs = data.flags.length / np, values = new Float64Array(2 * pairs);
  let n = 0;
  for (let e = 0; e < pairs; e++) {
    const a = e * np + xx, b = e * np + yy;
    if (data.flags[a] || data.flags[b]) continue;
    values[n++] = (data.vis[2 * a]! - data.vis[2 * b]!) / Math.SQRT2;
    values[n++] = (data.vis[2 * a + 1]! - data.vis[2 * b + 1]!) / Math.SQRT2;
  }
  return n ? robustRms(values.subarray(0, n)) : undefined;
}

/** Modified Bessel function I0 (its power series; converges for every real x). */
export function besselI0(x: number): number {
  const h2 = (x / 2) ** 2;
  let term = 1, sum = 1;
  for (let k = 1; term > 1e-17 * sum; k++) {
    term *= h2 / (k * k);
    sum += term;
  }
  return sum;
}

/** Kaiser-Bessel kernel at `t` cells from its centre (1 at 0, 0 beyond half the support). */
function kaiserBessel(t: number): number {
  const r = (2 * t) / KERNEL_WIDTH;
  return Math.abs(r) >= 1 ? 0 : besselI0(BETA * Math.sqrt(1 - r * r)) / besselI0(BETA);
}

const TABLE = Float64Array.from({ length: (KERNEL_WIDTH / 2) * OVERSAMPLE + 2 }, (_, i) => kaiserBessel(i / OVERSAMPLE));

function kernelAt(t: number): number {
  const i = Math.abs(t) * OVERSAMPLE;
  const k = Math.floor(i);
  return k + 1 < TABLE.length ? TABLE[k]! + (i - k) * (TABLE[k + 1]! - TABLE[k]!) : 0;
}

/** The kernel's Fourier transform at image offsets -n/2 .. n/2-1 pixels of an N-cell grid (the gridding correction). */
function griddingCorrection(n: number, gridSize: number): Float64Array {
  const steps = KERNEL_WIDTH * OVERSAMPLE, dt = KERNEL_WIDTH / steps;
  return Float64Array.from({ length: n }, (_, p) => {
    const x = p - n / 2;
    let s = 0;
    for (let i = 0; i < steps; i++) {
      const t = -KERNEL_WIDTH / 2 + (i + 0.5) * dt;
      s += kernelAt(t) * Math.cos((2 * Math.PI * t * x) / gridSize);
    }
    return s * dt;
  });
}

/** 1 for each polarization that measures Stokes I of an unpolarized sky (XX, YY or I), 0 for the others. */
function stokesPolarizations(data: UvData): Int32Array {
  return data.polarization.map((p) => (p === -5 || p === -6 || p === 1 ? 1 : 0));
}

/** Each channel's Stokes-I weight: the sum of `nsamples` over its unflagged XX, YY (or I) samples. */
function stokesWeights(data: UvData): { channelWeights: Float64Array; sumSquares: number } {
  const nf = data.freq.length, np = data.polarization.length, rows = data.ant1.length;
  const stokesI = stokesPolarizations(data);
  const channelWeights = new Float64Array(nf);
  let sumSquares = 0;
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < nf; k++) {
      for (let p = 0; p < np; p++) {
        const e = (r * nf + k) * np + p, w = stokesI[p] && !data.flags[e] ? data.nsamples[e]! : 0;
        if (!(w > 0)) continue;
        channelWeights[k] += w;
        sumSquares += w * w;
      }
    }
  }
  return { channelWeights, sumSquares };
}

/** The uv grids (N x N complex): samples, samples x t, weights, weights x t, weights x t^2. */
type UvGrids = [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];

/** Grids the Stokes-I samples of `data` and returns the dirty images and PSFs of `spec`. */
export function dirtyImage(data: UvData, spec: GridSpec): DirtyImage {
  const { npix, cellRad } = spec;
  if (!(npix >= 8 && (npix & (npix - 1)) === 0)) throw new RadioError(`image size ${npix} is not a power of two >= 8`, 'RADIO_INPUT');
  const { channelWeights, sumSquares } = stokesWeights(data);
  const sumWeights = channelWeights.reduce((a, b) => a + b, 0);
  if (!(sumWeights > 0)) throw new RadioError('no unflagged Stokes-I visibilities to image', 'RADIO_INPUT');
  const referenceHz = data.freq.reduce((s, f, k) => s + (f * channelWeights[k]!) / sumWeights, 0);
  const n = 2 * npix, grids = gridSamples(data, n, 1 / (n * cellRad), referenceHz);
  const correction = griddingCorrection(n, n);
  const [full, fullSlope, psf, psfT, psfT2] = grids.map((g) => toImage(g, n, correction)) as UvGrids;
  const peak = psf[(n / 2) * n + n / 2]!;
  const centre = (image: Float64Array) => Float64Array.from({ length: npix * npix }, (_, i) => image[(Math.floor(i / npix) + npix / 2) * n + (i % npix) + npix / 2]! / peak);
  for (const image of [psfT, psfT2, psf]) for (let i = 0; i < image.length; i++) image[i]! /= peak;
  return {
    npix, dirty: centre(full), dirtySlope: centre(fullSlope), psf, psfT, psfT2,
    noiseGain: Math.sqrt(sumSquares) / sumWeights, channelWeights: channelWeights.map((w) => w / sumWeights), referenceHz,
  };
}

/** The five uv grids of `data` on N = `n` cells of `du` wavelengths, t about `referenceHz`. */
function gridSamples(data: UvData, n: number, du: number, referenceHz: number): UvGrids {
  const grids = Array.from({ length: 5 }, () => new Float64Array(2 * n * n)) as UvGrids;
  const nf = data.freq.length, np = data.polarization.length, rows = data.ant1.length;
  const wu = new Float64Array(KERNEL_WIDTH + 1), wv = new Float64Array(KERNEL_WIDTH + 1);
  const stokesI = stokesPolarizations(data);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < nf; k++) {
      const scale = data.freq[k]! / SPEED_OF_LIGHT, t = (data.freq[k]! - referenceHz) / referenceHz;
      // u negated so that pixel x grows westward (east to the left)
      const gu = -data.uvw[3 * r]! * scale / du, gv = data.uvw[3 * r + 1]! * scale / du;
      for (let p = 0; p < np; p++) {
        const e = (r * nf + k) * np + p;
        const w = stokesI[p] && !data.flags[e] ? data.nsamples[e]! : 0;
        if (!(w > 0)) continue;
        const re = data.vis[2 * e]! * w, im = data.vis[2 * e + 1]! * w;
        spread(grids, n, gu, gv, re, im, w, t, wu, wv);
        spread(grids, n, -gu, -gv, re, -im, w, t, wu, wv);
      }
    }
  }
  return grids;
}

/** Adds one weighted sample at grid position (gu, gv) cells from the centre to the grids. */
function spread(grids: UvGrids, n: number, gu: number, gv: number, re: number, im: number, w: number, t: number, wu: Float64Array, wv: Float64Array): void {
  const cu = gu + n / 2, cv = gv + n / 2;
  const u0 = Math.ceil(cu - KERNEL_WIDTH / 2), v0 = Math.ceil(cv - KERNEL_WIDTH / 2);
  if (u0 < 0 || v0 < 0 || u0 + KERNEL_WIDTH > n || v0 + KERNEL_WIDTH > n) throw new RadioError(`a baseline reaches past the uv grid: use smaller cells`, 'RADIO_INPUT');
  for (let i = 0; i < KERNEL_WIDTH; i++) {
    wu[i] = kernelAt(u0 + i - cu);
    wv[i] = kernelAt(v0 + i - cv);
  }
  const [vis, visT, psf, psfT, psfT2] = grids;
  for (let j = 0; j < KERNEL_WIDTH; j++) {
    const row = (v0 + j) * n;
    for (let i = 0; i < KERNEL_WIDTH; i++) {
      const k = wu[i]! * wv[j]!, at = 2 * (row + u0 + i);
      vis[at] += k * re;
      vis[at + 1] += k * im;
      visT[at] += k * re * t;
      visT[at + 1] += k * im * t;
      psf[at] += k * w;
      psfT[at] += k * w * t;
      psfT2[at] += k * w * t * t;
    }
  }
}

/**
 * The real image of a Hermitian uv grid (centre at cell n/2): the checkerboard sign moves the
 * origin to the centre on both sides of a 2-D inverse FFT (rows, then columns); then the
 * gridding correction is divided out.
 */
function toImage(grid: Float64Array, n: number, correction: Float64Array): Float64Array {
  const fft = new FFT(n);
  const line = fft.createComplexArray() as number[], out = fft.createComplexArray() as number[];
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const s = (x + y) & 1 ? -1 : 1, at = 2 * (y * n + x);
      line[2 * x] = s * grid[at]!;
      line[2 * x + 1] = s * grid[at + 1]!;
    }
    fft.inverseTransform(out, line);
    for (let i = 0; i < 2 * n; i++) grid[2 * y * n + i] = out[i]!;
  }
  const image = new Float64Array(n * n);
  for (let x = 0; x < n; x++) {
    for (let y = 0; y < n; y++) {
      line[2 * y] = grid[2 * (y * n + x)]!;
      line[2 * y + 1] = grid[2 * (y * n + x) + 1]!;
    }
    fft.inverseTransform(out, line);
    for (let y = 0; y < n; y++) {
      const s = (x + y) & 1 ? -1 : 1;
      image[y * n + x] = (s * out[2 * y]!) / (correction[x]! * correction[y]!);
    }
  }
  return image;
}
