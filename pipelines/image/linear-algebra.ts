/** Small dense linear algebra for least-squares fits: a pivoting solver and polynomial fits. */

/**
 * Solves the n x n system `a x = b` (row-major `a`) by Gaussian elimination with partial
 * pivoting. Returns undefined when the matrix is singular to working precision. Inputs are
 * not modified.
 */
export function solveLinearSystem(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array | undefined {
  const m = new Float64Array(n * (n + 1));
  let scale = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      m[i * (n + 1) + j] = a[i * n + j]!;
      scale = Math.max(scale, Math.abs(a[i * n + j]!));
    }
    m[i * (n + 1) + n] = b[i]!;
  }
  const w = n + 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * w + c]!) > Math.abs(m[p * w + c]!)) p = r;
    if (!(Math.abs(m[p * w + c]!) > 1e-13 * scale)) return undefined;
    if (p !== c) {
      for (let k = 0; k < w; k++) {
        const t = m[c * w + k]!;
        m[c * w + k] = m[p * w + k]!;
        m[p * w + k] = t;
      }
    }
    for (let r = c + 1; r < n; r++) {
      const f = m[r * w + c]! / m[c * w + c]!;
      if (f === 0) continue;
      for (let k = c; k < w; k++) m[r * w + k]! -= f * m[c * w + k]!;
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r * w + n]!;
    for (let k = r + 1; k < n; k++) s -= m[r * w + k]! * x[k]!;
    x[r] = s / m[r * w + r]!;
  }
  return x;
}

/**
 * Least-squares polynomial of degree `order` through (t, y) pairs, optionally weighted.
 * Returns the coefficients c (y = sum c_k t^k), or undefined when under-determined.
 * Callers should scale t to about [-1, 1] to keep the normal equations well conditioned.
 */
export function fitPolynomial(t: ArrayLike<number>, y: ArrayLike<number>, order: number, weights?: ArrayLike<number>): Float64Array | undefined {
  const n = order + 1;
  const a = new Float64Array(n * n), b = new Float64Array(n);
  const powers = new Float64Array(n);
  let used = 0;
  for (let i = 0; i < t.length; i++) {
    const w = weights ? weights[i]! : 1;
    if (!(w > 0) || !Number.isFinite(y[i]!)) continue;
    used++;
    powers[0] = 1;
    for (let k = 1; k < n; k++) powers[k] = powers[k - 1]! * t[i]!;
    for (let r = 0; r < n; r++) {
      b[r]! += w * powers[r]! * y[i]!;
      for (let c = 0; c < n; c++) a[r * n + c]! += w * powers[r]! * powers[c]!;
    }
  }
  if (used < n) return undefined;
  return solveLinearSystem(a, b, n);
}

/** Value of the polynomial with coefficients `c` at t (Horner). */
export function evaluatePolynomial(c: ArrayLike<number>, t: number): number {
  let v = 0;
  for (let k = c.length - 1; k >= 0; k--) v = v * t + c[k]!;
  return v;
}
