import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  angleBetween, ConvexPolygon, fromRaDec, InvalidRegionError, RegionDecodeError, type Vector3,
} from '../../../registry/spatial/index.js';
import { arbPolygon, DEG, offset, pointsIn, polygonSeparation, unit } from './spatial-oracles.js';
import { seededRandom } from '../../support/random.js';
import { LSST_FIXTURE } from '../../support/fixtures.js';

// A tract near RA 150, Dec 2 as LSST's sphgeom encoded it.
const TRACT_HEX =
  '70557387e2d167ebbf03cc6a5d3a83e03f7c5efbdbd19e903ff3a03cf8cb00ecbf4e8ce34987f4de3f7c5efbdbd19e903ff52d954b8cf7ebbf68e8f058d9e9de3f0e9b3b41b06bab3f1ad26537925eebbf344a4e62e37de03f0e9b3b41b06bab3f';
const FIXTURES = LSST_FIXTURE;

/** Every decoded vertex matches a distinct corner to `tolDeg` (vertex order aside). */
function expectSameVertices(vertices: readonly Vector3[], corners: ReadonlyArray<readonly [number, number]>, tolDeg: number): void {
  expect(vertices.length).toBe(corners.length);
  const used = new Set<number>();
  for (const v of vertices) {
    const j = corners.findIndex(([ra, dec], k) => !used.has(k) && angleBetween(v, fromRaDec(ra, dec)) <= tolDeg * DEG);
    expect(j, `vertex ${v} has no matching corner`).toBeGreaterThanOrEqual(0);
    used.add(j);
  }
}

describe('ConvexPolygon construction', () => {
  const sq: Vector3[] = [fromRaDec(10, -1), fromRaDec(12, -1), fromRaDec(12, 1), fromRaDec(10, 1)];

  it('keeps counter-clockwise vertices and reverses clockwise ones', () => {
    const p = new ConvexPolygon(sq);
    expect(p.vertices).toEqual(sq);
    const q = new ConvexPolygon([...sq].reverse());
    expect(q.vertices).toEqual(sq); // [sq3, sq2, sq1, sq0] reversed
    expect(q.contains(fromRaDec(11, 0))).toBe(true);
    expect(q.contains(fromRaDec(191, 0))).toBe(false);
  });

  it('normalizes non-unit vertices', () => {
    const p = new ConvexPolygon(sq.map((v) => [v[0] * 3, v[1] * 3, v[2] * 3] as const));
    p.vertices.forEach((v, i) => expect(angleBetween(v, sq[i])).toBeLessThan(1e-15));
    p.vertices.forEach((v) => expect(Math.hypot(...v)).toBeCloseTo(1, 15));
  });

  it('rejects degenerate and non-convex input with a stable code', () => {
    const bad: Vector3[][] = [
      sq.slice(0, 2),
      [sq[0], sq[0], sq[1]],
      [fromRaDec(0, 0), fromRaDec(1, 0), fromRaDec(2, 0)], // one great circle
      [sq[0], sq[2], sq[1], sq[3]], // self-intersecting
      [fromRaDec(10, -1), fromRaDec(12, -1), fromRaDec(11, -0.5), fromRaDec(12, 1), fromRaDec(10, 1)], // reflex vertex
      [[0, 0, 0], sq[1], sq[2]],
    ];
    for (const vs of bad) {
      expect(() => new ConvexPolygon(vs)).toThrow(InvalidRegionError);
      try {
        new ConvexPolygon(vs);
      } catch (e) {
        expect((e as InvalidRegionError).code).toBe('SPATIAL_INVALID_REGION');
      }
    }
  });

  it('computes convex hulls: interior and edge points dropped, order from the first hull point', () => {
    const pts: Vector3[] = [fromRaDec(11, 0), sq[2], fromRaDec(11, -1), sq[3], sq[0], fromRaDec(11.5, 0.2), sq[1]];
    const h = ConvexPolygon.convexHull(pts);
    // Hull points in input order are sq[2] (index 1), sq[3], sq[0], sq[1]; counter-clockwise from sq[2].
    expect(h.vertices).toEqual([sq[2], sq[3], sq[0], sq[1]]);
    expect(ConvexPolygon.convexHull([...sq].reverse()).vertices).toEqual([sq[3], sq[0], sq[1], sq[2]]);
    expect(() => ConvexPolygon.convexHull([fromRaDec(0, 0), fromRaDec(1, 0), fromRaDec(5, 0)])).toThrow(InvalidRegionError);
    expect(() => ConvexPolygon.convexHull([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1]])).toThrow(InvalidRegionError);
  });

  it('builds hulls whose vertices are input points and which contain every input point', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 7, noNaN: true })), { minLength: 3, maxLength: 30 }), fc.double({ min: 1e-6, max: 1.2, noNaN: true }), (raw, size) => {
        const c = fromRaDec(200, 60);
        const pts = raw.map(([r, phi]) => offset(c, r * size, phi));
        let hull: ConvexPolygon;
        try {
          hull = ConvexPolygon.convexHull(pts);
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidRegionError); // collinear draws
          return;
        }
        for (const v of hull.vertices) expect(pts.some((p) => p[0] === v[0] && p[1] === v[1] && p[2] === v[2])).toBe(true);
        for (const p of pts) {
          // inside, or within rounding of the boundary
          const slack = hull.vertices.every((_, i) => {
            const a = hull.vertices[i], b = hull.vertices[(i + 1) % hull.vertices.length];
            // (a + b) x (b - a) = 2 a x b, without the cancellation of a x b for close points
            const s = [a[0] + b[0], a[1] + b[1], a[2] + b[2]], d = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
            const n = unit([s[1] * d[2] - s[2] * d[1], s[2] * d[0] - s[0] * d[2], s[0] * d[1] - s[1] * d[0]]);
            return n[0] * p[0] + n[1] * p[1] + n[2] * p[2] >= -1e-14;
          });
          expect(slack).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('has a centroid inside and a bounding circle holding every point', () => {
    const p = ConvexPolygon.fromRaDecCorners([[-1, -1], [1, -1], [1, 1], [-1, 1]]);
    const c = p.centroid();
    expect(angleBetween(c, [1, 0, 0])).toBeLessThan(1e-15);
    fc.assert(
      fc.property(arbPolygon(1e-7, 1.5), fc.integer(), (poly, seed) => {
        expect(poly.contains(poly.centroid())).toBe(true);
        const bc = poly.boundingCircle();
        for (const q of pointsIn(poly, seededRandom(seed), 30)) expect(bc.contains(q)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('ConvexPolygon overlaps', () => {
  it('agrees with a separating-axis oracle in the gnomonic projection', () => {
    fc.assert(
      fc.property(arbPolygon(1e-5, 0.2), fc.double({ min: 0, max: 0.5, noNaN: true }), fc.double({ min: 0, max: 7, noNaN: true }), arbPolygon(1e-5, 0.2), (a, rho, phi, b0) => {
        // Move b next to a so both outcomes are common.
        const ca = a.centroid(), cb = b0.centroid();
        const target = offset(ca, rho, phi);
        const b = moveTo(b0, cb, target);
        const sep = polygonSeparation(a, b);
        fc.pre(Math.abs(sep) > 1e-12);
        expect(a.overlaps(b)).toBe(sep <= 0);
        expect(b.overlaps(a)).toBe(sep <= 0);
      }),
      { numRuns: 1000 },
    );
  });

  it('counts touching and containment as overlap', () => {
    const a = ConvexPolygon.fromRaDecCorners([[0, 0], [2, 0], [2, 2], [0, 2]]);
    const inner = ConvexPolygon.fromRaDecCorners([[0.5, 0.5], [1, 0.5], [1, 1]]);
    expect(a.overlaps(inner)).toBe(true);
    expect(inner.overlaps(a)).toBe(true);
    expect(a.containsPolygon(inner)).toBe(true);
    expect(inner.containsPolygon(a)).toBe(false);
    const shared = new ConvexPolygon([a.vertices[1], fromRaDec(4, 0), fromRaDec(4, 2), a.vertices[2]]);
    expect(a.overlaps(shared)).toBe(true);
  });

  it('crosses edges only where the arcs meet, not at their antipodes', () => {
    // A thin band along the equator around RA 0 and one along the RA 180 meridian: their
    // edges' great circles meet on both sides, the arcs on neither.
    const band = ConvexPolygon.fromRaDecCorners([[-60, -0.1], [60, -0.1], [60, 0.1], [-60, 0.1]]);
    const meridian = ConvexPolygon.fromRaDecCorners([[179.9, -60], [180.1, -60], [180.1, 60], [179.9, 60]]);
    expect(band.overlaps(meridian)).toBe(false);
    const cross0 = ConvexPolygon.fromRaDecCorners([[-0.1, -60], [0.1, -60], [0.1, 60], [-0.1, 60]]);
    expect(band.overlaps(cross0)).toBe(true); // a cross: no vertex inside the other
    expect(band.vertices.some((v) => cross0.contains(v)) || cross0.vertices.some((v) => band.contains(v))).toBe(false);
  });
});

/** Rotates polygon p (about the axis perpendicular to from and to) so `from` lands on `to`. */
function moveTo(p: ConvexPolygon, from: Vector3, to: Vector3): ConvexPolygon {
  const k = [from[1] * to[2] - from[2] * to[1], from[2] * to[0] - from[0] * to[2], from[0] * to[1] - from[1] * to[0]];
  const s = Math.hypot(k[0], k[1], k[2]);
  const c = from[0] * to[0] + from[1] * to[1] + from[2] * to[2];
  if (s < 1e-15) return p;
  const [kx, ky, kz] = [k[0] / s, k[1] / s, k[2] / s];
  const rot = (v: Vector3): Vector3 => {
    const kv = kx * v[0] + ky * v[1] + kz * v[2];
    const cr = [ky * v[2] - kz * v[1], kz * v[0] - kx * v[2], kx * v[1] - ky * v[0]];
    return [0, 1, 2].map((i) => v[i] * c + cr[i] * s + [kx, ky, kz][i] * kv * (1 - c)) as unknown as Vector3;
  };
  return new ConvexPolygon(p.vertices.map(rot));
}

describe('ConvexPolygon encoding (lsst.sphgeom)', () => {
  it('decodes a real LSST tract region and re-encodes it byte for byte', () => {
    const p = ConvexPolygon.decodeHex(TRACT_HEX);
    expectSameVertices(p.vertices, [[148.93, 0.93], [151.07, 0.93], [151.07, 3.07], [148.93, 3.07]], 0.005);
    expect(p.encodeHex()).toBe(TRACT_HEX);
    const bytes = p.encode();
    expect(bytes[0]).toBe(0x70);
    expect(bytes.length).toBe(1 + 24 * 4);
    expect(ConvexPolygon.decode(bytes).vertices).toEqual(p.vertices);
    expect(p.contains(fromRaDec(150, 2))).toBe(true);
    expect(p.contains(fromRaDec(152, 2))).toBe(false);
  });

  it('rejects a wrong type byte or length with SPATIAL_DECODE', () => {
    const good = ConvexPolygon.decodeHex(TRACT_HEX).encode();
    const cases: Uint8Array[] = [
      new Uint8Array(0),
      Uint8Array.from([0x63, ...good.subarray(1)]), // a Circle's type byte
      good.subarray(0, good.length - 1),
      good.subarray(0, 1 + 24 * 2), // two vertices
      Uint8Array.from([...good, 0]),
    ];
    for (const bytes of cases) {
      expect(() => ConvexPolygon.decode(bytes)).toThrow(RegionDecodeError);
      try {
        ConvexPolygon.decode(bytes);
      } catch (e) {
        expect((e as RegionDecodeError).code).toBe('SPATIAL_DECODE');
      }
    }
    expect(() => ConvexPolygon.decodeHex('70zz')).toThrow(RegionDecodeError);
  });

  it('round-trips random polygons', () => {
    fc.assert(
      fc.property(arbPolygon(1e-6, 1), (p) => {
        expect(ConvexPolygon.decode(p.encode()).vertices).toEqual(p.vertices);
      }),
      { numRuns: 200 },
    );
  });
});

describe.skipIf(!existsSync(`${FIXTURES}/export.yaml`))('real LSST regions (lsst-synthcam fixture)', () => {
  interface Problem {
    tract: { corners: Array<[number, number]> };
    patches: Array<{ id: number; corners: Array<[number, number]> }>;
    visits: Array<{ id: number; focal_plane: Array<[number, number]>; detectors: Record<string, Array<[number, number]>> }>;
  }
  const problem = (): Problem => JSON.parse(readFileSync(`${FIXTURES}/problem.json`, 'utf8')) as Problem;

  /** Records of export.yaml with their element, scalar fields and region hex. */
  function exportedRegions(): Array<{ element: string; fields: Record<string, string>; hex: string }> {
    const out: Array<{ element: string; fields: Record<string, string>; hex: string }> = [];
    let element = '';
    let fields: Record<string, string> = {};
    for (const line of readFileSync(`${FIXTURES}/export.yaml`, 'utf8').split('\n')) {
      const el = /^ {2}element: (\w+)/.exec(line);
      if (el) element = el[1];
      if (/^ {2}- /.test(line)) fields = {};
      const kv = /^ {2}[- ] {1,3}(\w+): (\S.*)$/.exec(line);
      if (kv) fields[kv[1]] = kv[2];
      const enc = /^\s+encoded: ([0-9a-f]+)\s*$/.exec(line);
      if (enc) out.push({ element, fields: { ...fields }, hex: enc[1] });
    }
    return out;
  }

  it('decodes every patch, visit and visit_detector_region and matches problem.json corners to 1e-9 deg', () => {
    const p = problem();
    const regions = exportedRegions();
    const counts: Record<string, number> = {};
    for (const { element, fields, hex } of regions) {
      const poly = ConvexPolygon.decodeHex(hex);
      expect(poly.encodeHex()).toBe(hex);
      let corners: Array<[number, number]>;
      if (element === 'tract') corners = p.tract.corners;
      else if (element === 'patch') corners = p.patches.find((x) => x.id === Number(fields.id))!.corners;
      else if (element === 'visit') corners = p.visits.find((x) => x.id === Number(fields.id))!.focal_plane;
      else if (element === 'visit_detector_region') corners = p.visits.find((x) => x.id === Number(fields.visit))!.detectors[fields.detector];
      else throw new Error(`unexpected region element ${element}`);
      expectSameVertices(poly.vertices, corners, 1e-9);
      // Our hull of the plain-number corners is the same polygon.
      const ours = ConvexPolygon.fromRaDecCorners(corners);
      expectSameVertices(ours.vertices, poly.vertices.map((v) => toRaDecPair(v)), 1e-12);
      counts[element] = (counts[element] ?? 0) + 1;
    }
    expect(counts).toEqual({ tract: 1, patch: 49, visit: 12, visit_detector_region: 240 });
  });

  it('finds the same overlaps as the decoded regions when built from corners', () => {
    const regions = exportedRegions();
    const patches = regions.filter((r) => r.element === 'patch').map((r) => ConvexPolygon.decodeHex(r.hex));
    const vdrs = regions.filter((r) => r.element === 'visit_detector_region').map((r) => ConvexPolygon.decodeHex(r.hex));
    let n = 0;
    for (const d of vdrs) for (const q of patches) if (d.overlaps(q)) n++;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(vdrs.length * patches.length);
  });
});

function toRaDecPair(v: Vector3): [number, number] {
  return [((Math.atan2(v[1], v[0]) / DEG) + 360) % 360, Math.atan2(v[2], Math.hypot(v[0], v[1])) / DEG];
}
