import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConvexPolygon, fromRaDec, PackedPolygons, RegionDecodeError } from '../../../registry/spatial/index.js';
import { arbPolygon } from './spatial-oracles.js';

// Packed decoding is the spatial join's fast path: it must agree with the class bit for bit.
describe('PackedPolygons', () => {
  it('decodes to the same vertices, normals and bounding circles as ConvexPolygon', () => {
    fc.assert(fc.property(fc.array(arbPolygon(1e-4, 1), { minLength: 1, maxLength: 6 }), (polygons) => {
      const packed = PackedPolygons.decode(polygons.map((p) => p.encode()));
      expect(packed.count).toBe(polygons.length);
      polygons.forEach((p, i) => {
        const from = 3 * packed.start[i]!, to = 3 * packed.start[i + 1]!;
        expect(packed.coords.slice(from, to)).toEqual(p.coords);
        expect(packed.normals.slice(from, to)).toEqual(p.normals);
        const c = p.boundingCircle();
        expect([...packed.circles.slice(4 * i, 4 * i + 4)]).toEqual([...c.center, c.openingAngle]);
      });
    }));
  });

  it('finds the same overlaps as ConvexPolygon, either way round', () => {
    fc.assert(fc.property(arbPolygon(1e-3, 0.5), arbPolygon(1e-3, 0.5), (a, b) => {
      const pa = PackedPolygons.decode([a.encode()]), pb = PackedPolygons.decode([b.encode()]);
      expect(pa.overlaps(0, pb, 0)).toBe(a.overlaps(b));
      expect(pb.overlaps(0, pa, 0)).toBe(a.overlaps(b));
    }));
  });

  it('orients clockwise encodings and rejects invalid ones as ConvexPolygon.decode does', () => {
    const sq = new ConvexPolygon([fromRaDec(10, -1), fromRaDec(12, -1), fromRaDec(12, 1), fromRaDec(10, 1)]);
    const clockwise = Uint8Array.from(sq.encode());
    const view = new DataView(clockwise.buffer);
    for (let k = 0; k < 2; k++) {
      for (let c = 0; c < 3; c++) {
        const x = view.getFloat64(1 + 24 * k + 8 * c, true), y = view.getFloat64(1 + 24 * (3 - k) + 8 * c, true);
        view.setFloat64(1 + 24 * k + 8 * c, y, true);
        view.setFloat64(1 + 24 * (3 - k) + 8 * c, x, true);
      }
    }
    expect(PackedPolygons.decode([clockwise]).coords).toEqual(ConvexPolygon.decode(clockwise).coords);
    for (const bad of [new Uint8Array(0), Uint8Array.of(0x71, ...sq.encode().slice(1)), sq.encode().slice(0, 50), Uint8Array.of(0x70, ...new Uint8Array(72))]) {
      expect(() => ConvexPolygon.decode(bad)).toThrow(RegionDecodeError);
      expect(() => PackedPolygons.decode([sq.encode(), bad])).toThrow(RegionDecodeError);
    }
  });
});
