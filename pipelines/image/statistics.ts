/**
 * Robust statistics over typed arrays: medians by quickselect (no full sort), the median
 * absolute deviation, and sigma-clipped estimates. Inputs are never modified; NaNs must be
 * filtered out by the caller.
 */

/** 1.4826: the MAD of a normal distribution times this is its sigma. */
export const MAD_TO_SIGMA = 1.4826;

/** The k-th smallest value (0-based) of `values`, reordering `values` in place (Hoare's quickselect). */
export function selectInPlace(values: Float64Array, k: number): number {
  let lo = 0, hi = values.length - 1;
  while (hi > lo) {
    const pivot = values[(lo + hi) >> 1]!;
    let i = lo, j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return values[k]!;
}

/** Median of `values[0..n)` (the mean of the two middle values for even n), reordering in place; NaN when empty. */
export function medianInPlace(values: Float64Array, n = values.length): number {
  if (n === 0) return NaN;
  const v = n === values.length ? values : values.subarray(0, n);
  const upper = selectInPlace(v, n >> 1);
  if (n % 2 === 1) return upper;
  // The lower middle is the largest value of the left part after selection.
  let lower = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (v[i]! > lower) lower = v[i]!;
  return (lower + upper) / 2;
}

/** Median of an array-like (copied first). */
export function median(values: ArrayLike<number>): number {
  return medianInPlace(Float64Array.from(values));
}

/** Robust location and scale: the median and MAD-based sigma, after `iterations` rounds of `nSigma` clipping. */
export interface ClippedStats {
  readonly median: number;
  readonly mean: number;
  readonly sigma: number;
  /** Values kept by the last clip. */
  readonly count: number;
}

/**
 * Sigma-clipped statistics of `values[0..n)`: each round keeps values within `nSigma`
 * sigma (MAD-based) of the median. `values` is reordered; `scratch` (length >= n) is used for
 * the deviations.
 */
export function clippedStats(values: Float64Array, n = values.length, nSigma = 3, iterations = 3, scratch = new Float64Array(n)): ClippedStats {
  let count = n;
  let med = NaN, sigma = NaN;
  for (let it = 0; it <= iterations && count > 0; it++) {
    med = medianInPlace(values, count);
    for (let i = 0; i < count; i++) scratch[i] = Math.abs(values[i]! - med);
    sigma = MAD_TO_SIGMA * medianInPlace(scratch, count);
    if (it === iterations || !(sigma > 0)) break;
    const lo = med - nSigma * sigma, hi = med + nSigma * sigma;
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const v = values[i]!;
      if (v >= lo && v <= hi) values[kept++] = v;
    }
    if (kept === count) break;
    count = kept;
  }
  let sum = 0;
  for (let i = 0; i < count; i++) sum += values[i]!;
  return { median: med, mean: count > 0 ? sum / count : NaN, sigma, count };
}

/**
 * Weighted quantile q (0..1): the smallest value at which the cumulative weight (values
 * sorted) reaches q of the total; NaN when empty.
 */
export function weightedQuantile(values: ArrayLike<number>, weights: ArrayLike<number>, q: number): number {
  const order = Array.from({ length: values.length }, (_, i) => i).filter((i) => weights[i]! > 0 && Number.isFinite(values[i]!));
  if (order.length === 0) return NaN;
  order.sort((a, b) => values[a]! - values[b]!);
  let total = 0;
  for (const i of order) total += weights[i]!;
  let acc = 0;
  for (const i of order) {
    acc += weights[i]!;
    if (acc >= q * total) return values[i]!;
  }
  return values[order[order.length - 1]!]!;
}

/** Weighted median: {@link weightedQuantile} at one half. */
export function weightedMedian(values: ArrayLike<number>, weights: ArrayLike<number>): number {
  return weightedQuantile(values, weights, 0.5);
}
