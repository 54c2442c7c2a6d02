/**
 * Deterministic random numbers for the simulator: a xoshiro128** generator seeded through
 * splitmix32, plus normal and Poisson deviates. Every independent piece of the simulation
 * (the star field, the visit plan, each raw's noise) draws from its own stream, seeded by
 * hashing the run seed with names and ids, so that the same seed gives bit-identical data
 * whatever order the pieces are generated in.
 */

/** 32-bit FNV-1a of a string, then murmur3's finalizer (spreads nearby inputs apart). */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit stream seed derived from the run seed and any names/ids (stable across runs and platforms). */
export function streamSeed(seed: number, ...parts: readonly (string | number)[]): number {
  return hash32(`${seed}|${parts.join('|')}`);
}

/**
 * A seeded pseudo-random generator (xoshiro128**, period 2^128 - 1). Not for cryptography.
 * Invariant: the sequence depends only on the constructor's seed.
 */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  /** Seeds the state from one 32-bit integer with splitmix32 (so seeds 0, 1, 2... give unrelated streams). */
  constructor(seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** A stream for `parts` under run seed `seed` (see {@link streamSeed}). */
  static stream(seed: number, ...parts: readonly (string | number)[]): Random {
    return new Random(streamSeed(seed, ...parts));
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [a, b). */
  uniform(a: number, b: number): number {
    return a + (b - a) * this.next();
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal deviate (Box-Muller, both values used). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    const u = 1 - this.next(); // (0, 1]: log stays finite
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /**
   * A Poisson deviate of mean `lambda` >= 0: by multiplying uniforms for small means, and
   * by Hörmann's transformed rejection with squeeze (PTRS, 1993) for means of 10 and more,
   * which is exact and takes about one pair of uniforms per deviate.
   */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0;
    if (lambda < 10) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = this.next();
      while (p > limit) {
        k++;
        p *= this.next();
      }
      return k;
    }
    const sl = Math.sqrt(lambda);
    const logLambda = Math.log(lambda);
    const b = 0.931 + 2.53 * sl;
    const a = -0.059 + 0.02483 * b;
    const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.next() - 0.5;
      const v = this.next();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (Math.log(v * invAlpha / (a / (us * us) + b)) <= -lambda + k * logLambda - logFactorial(k)) return k;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const SMALL_LOG_FACTORIALS: number[] = [0];
for (let k = 1; k < 64; k++) SMALL_LOG_FACTORIALS.push(SMALL_LOG_FACTORIALS[k - 1]! + Math.log(k));

/** ln(k!) : a table below 64, Stirling's series above (error < 1e-12 there). */
export function logFactorial(k: number): number {
  if (k < 64) return SMALL_LOG_FACTORIALS[k]!;
  const n = k + 1;
  const inv = 1 / n, inv2 = inv * inv;
  return (n - 0.5) * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI) + inv * (1 / 12 - inv2 * (1 / 360 - inv2 / 1260));
}
