/**
 * The circle screen finds exactly the pairs a test of every pair finds (centers no farther
 * apart than the radii together, as the screen's own slack allows), wherever the circles lie:
 * across RA 0, at the poles, in the survey's dense fields, either set the larger.
 */
import { describe, expect, it } from 'vitest';
import { fromRaDec, meetingCircles } from '../../../registry/spatial/index.js';
import { seededRandom } from '../../support/random.js';

/** Circles packed as meetingCircles reads them, from [ra, dec, radius] in degrees. */
function pack(circles: readonly (readonly [number, number, number])[]): Float64Array {
  return Float64Array.from(circles.flatMap(([ra, dec, r]) => [...fromRaDec(ra, dec), (r * Math.PI) / 180]));
}

/** Every pair, tested one by one: the independent answer. */
function bruteForce(a: Float64Array, b: Float64Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < a.length / 4; i++) {
    for (let j = 0; j < b.length / 4; j++) {
      const angle = Math.acos(Math.min(1, a[4 * i]! * b[4 * j]! + a[4 * i + 1]! * b[4 * j + 1]! + a[4 * i + 2]! * b[4 * j + 2]!));
      if (angle <= a[4 * i + 3]! + b[4 * j + 3]! + 1e-12) out.push(`${i},${j}`);
    }
  }
  return out.sort();
}

function screened(a: Float64Array, b: Float64Array): string[] {
  const out: string[] = [];
  meetingCircles(a, b, (i, j) => out.push(`${i},${j}`));
  return out.sort();
}

/** `n` circles with centers uniform in the box and radii up to `maxRadius` degrees. */
function scatter(random: () => number, n: number, ra: [number, number], dec: [number, number], maxRadius: number): [number, number, number][] {
  const [s0, s1] = [Math.sin((dec[0] * Math.PI) / 180), Math.sin((dec[1] * Math.PI) / 180)];
  return Array.from({ length: n }, () => [
    (ra[0] + random() * (ra[1] - ra[0]) + 360) % 360,
    (Math.asin(s0 + random() * (s1 - s0)) * 180) / Math.PI,
    random() * maxRadius,
  ]);
}

describe('meetingCircles', () => {
  const random = seededRandom(61207);
  const cases: [string, [number, number, number][], [number, number, number][]][] = [
    ['a field across RA 0', scatter(random, 60, [-3, 3], [-2, 2], 0.5), scatter(random, 900, [-4, 4], [-3, 3], 0.15)],
    ['the north pole', scatter(random, 40, [0, 360], [85, 90], 1), scatter(random, 600, [0, 360], [80, 90], 0.3)],
    ['the south pole, the larger set first', scatter(random, 700, [0, 360], [-90, -82], 0.3), scatter(random, 30, [0, 360], [-90, -86], 2)],
    ['the whole sky, wide circles', scatter(random, 50, [0, 360], [-90, 90], 20), scatter(random, 400, [0, 360], [-90, 90], 5)],
    ['a dense field of small circles', scatter(random, 200, [150, 151], [2, 3], 0.02), scatter(random, 3000, [150, 151], [2, 3], 0.005)],
    ['equal sets', scatter(random, 300, [30, 40], [-5, 5], 0.6), scatter(random, 300, [30, 40], [-5, 5], 0.6)],
  ];
  it.each(cases)('finds every meeting pair and no other: %s', (_, a, b) => {
    const pa = pack(a), pb = pack(b);
    const expected = bruteForce(pa, pb);
    expect(expected.length).toBeGreaterThan(10);
    expect(screened(pa, pb)).toEqual(expected);
  });

  it('finds pairs that just touch and none that just miss', () => {
    // two circles of 0.1 degrees, 0.2 degrees apart along the equator across RA 0, then apart by a hair more
    const touch = pack([[359.9, 0, 0.1]]), other = pack([[0.1, 0, 0.1]]), beyond = pack([[0.1 + 1e-6, 0, 0.1]]);
    expect(screened(touch, other)).toEqual(['0,0']);
    expect(screened(touch, beyond)).toEqual([]);
  });

  it('handles empty sets', () => {
    expect(screened(new Float64Array(0), pack([[1, 1, 1]]))).toEqual([]);
    expect(screened(pack([[1, 1, 1]]), new Float64Array(0))).toEqual([]);
  });
});
