/**
 * Resampling one image onto another pixel grid through their WCSs, conserving flux:
 *
 *   out(i, j) = |det J(i, j)| * sum_k w_k in(k)
 *
 * where (u, v) = input pixel of output pixel (i, j) (output pixel -> sky -> input pixel),
 * w_k the separable interpolation kernel at (u, v) normalized to sum 1, and J = d(u, v)/d(i, j)
 * the Jacobian (central differences of the mapping), so |det J| is the area of an output
 * pixel in input pixels: a pixel holding flux (not surface brightness) keeps its total.
 * Variance: |det J|^2 sum w_k^2 V_k (exact per pixel for independent inputs; neighbouring
 * output pixels become correlated). Mask: the OR of the 2x2 nearest input pixels' planes,
 * plus the "bad" planes of every kernel tap. Where the Lanczos kernel would reach past the
 * input (or a tap is not finite) bilinear is used; where that is impossible too, nothing is
 * written.
 */
import type { TanWcs } from './tan-wcs.js';

/** Interpolation kernels. */
export type ResampleKernel = 'lanczos3' | 'bilinear';

/** One input image and its WCS. */
export interface ResampleSource {
  readonly width: number;
  readonly height: number;
  readonly image: ArrayLike<number>;
  readonly variance?: ArrayLike<number>;
  readonly mask?: Int32Array;
  readonly wcs: TanWcs;
}

/** The output grid, filled in place. Pixels already written (`filled`) are skipped, so several inputs tile one output. */
export interface ResampleTarget {
  readonly width: number;
  readonly height: number;
  readonly wcs: TanWcs;
  readonly image: Float32Array;
  readonly variance: Float32Array;
  readonly mask: Int32Array;
  readonly filled: Uint8Array;
}

/** Lanczos-a kernel: sinc(t) sinc(t / a) for |t| < a. */
export function lanczos(t: number, a = 3): number {
  if (t === 0) return 1;
  if (t <= -a || t >= a) return 0;
  const pt = Math.PI * t;
  return (a * Math.sin(pt) * Math.sin(pt / a)) / (pt * pt);
}

/** Normalized Lanczos-3 weights of taps floor(u) - 2 .. floor(u) + 3 for fractional offset f = u - floor(u). */
function lanczosWeights(f: number, out: Float64Array): void {
  let s = 0;
  for (let k = 0; k < 6; k++) {
    out[k] = lanczos(k - 2 - f);
    s += out[k]!;
  }
  for (let k = 0; k < 6; k++) out[k]! /= s;
}

/**
 * Resamples `source` onto `target` over the target pixels in [x0, x1) x [y0, y1) (defaults:
 * the whole target). Returns how many target pixels were written.
 */
export function resampleInto(source: ResampleSource, target: ResampleTarget, kernel: ResampleKernel, badMask: number, box?: { x0: number; y0: number; x1: number; y1: number }): number {
  const bx0 = Math.max(0, box?.x0 ?? 0), by0 = Math.max(0, box?.y0 ?? 0);
  const bx1 = Math.min(target.width, box?.x1 ?? target.width), by1 = Math.min(target.height, box?.y1 ?? target.height);
  if (bx1 <= bx0 || by1 <= by0) return 0;
  // The mapping on the box grown by one pixel, for the central-difference Jacobian.
  const gw = bx1 - bx0 + 2, gh = by1 - by0 + 2;
  const U = new Float64Array(gw * gh), V = new Float64Array(gw * gh);
  for (let j = 0; j < gh; j++) {
    for (let i = 0; i < gw; i++) {
      const [ra, dec] = target.wcs.pixelToSky(bx0 - 1 + i, by0 - 1 + j);
      const [u, v] = source.wcs.skyToPixel(ra, dec);
      U[j * gw + i] = u;
      V[j * gw + i] = v;
    }
  }
  const { width: W, height: H, image: img, variance: vin, mask: min } = source;
  const wx = new Float64Array(6), wy = new Float64Array(6);
  let written = 0;
  for (let y = by0; y < by1; y++) {
    for (let x = bx0; x < bx1; x++) {
      const t = y * target.width + x;
      if (target.filled[t]) continue;
      const g = (y - by0 + 1) * gw + (x - bx0 + 1);
      const u = U[g]!, v = V[g]!;
      if (!(u >= 0 && v >= 0 && u <= W - 1 && v <= H - 1)) continue;
      const dudx = (U[g + 1]! - U[g - 1]!) / 2, dudy = (U[g + gw]! - U[g - gw]!) / 2;
      const dvdx = (V[g + 1]! - V[g - 1]!) / 2, dvdy = (V[g + gw]! - V[g - gw]!) / 2;
      const jac = Math.abs(dudx * dvdy - dudy * dvdx);
      const iu = Math.floor(u), iv = Math.floor(v);
      const fu = u - iu, fv = v - iv;
      let value = NaN, varSum = 0, m = 0;
      // Mask of the 2x2 nearest pixels (clamped at the far edge, where f = 0).
      const iu1 = Math.min(iu + 1, W - 1), iv1 = Math.min(iv + 1, H - 1);
      if (min) m = min[iv * W + iu]! | min[iv * W + iu1]! | min[iv1 * W + iu]! | min[iv1 * W + iu1]!;
      if (kernel === 'lanczos3' && iu >= 2 && iv >= 2 && iu + 3 < W && iv + 3 < H) {
        lanczosWeights(fu, wx);
        lanczosWeights(fv, wy);
        let s = 0, sv = 0, ok = true, bad = 0;
        for (let b = 0; b < 6 && ok; b++) {
          const row = (iv - 2 + b) * W + iu - 2;
          for (let a = 0; a < 6; a++) {
            const w = wx[a]! * wy[b]!;
            const p = row + a;
            const val = img[p]!;
            if (!Number.isFinite(val)) {
              ok = false;
              break;
            }
            s += w * val;
            if (vin) sv += w * w * vin[p]!;
            if (min) bad |= min[p]! & badMask;
          }
        }
        if (ok) {
          value = s;
          varSum = sv;
          m |= bad;
        }
      }
      if (!Number.isFinite(value)) {
        // Bilinear over the 2x2 nearest pixels.
        const w00 = (1 - fu) * (1 - fv), w10 = fu * (1 - fv), w01 = (1 - fu) * fv, w11 = fu * fv;
        const p00 = iv * W + iu, p10 = iv * W + iu1, p01 = iv1 * W + iu, p11 = iv1 * W + iu1;
        const s = w00 * img[p00]! + w10 * img[p10]! + w01 * img[p01]! + w11 * img[p11]!;
        if (!Number.isFinite(s)) continue;
        value = s;
        if (vin) varSum = w00 * w00 * vin[p00]! + w10 * w10 * vin[p10]! + w01 * w01 * vin[p01]! + w11 * w11 * vin[p11]!;
      }
      target.image[t] = value * jac;
      target.variance[t] = vin ? varSum * jac * jac : NaN;
      target.mask[t] = m;
      target.filled[t] = 1;
      written++;
    }
  }
  return written;
}
