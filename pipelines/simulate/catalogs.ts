/**
 * Catalog datasets made from the star field: the reference catalog, sharded by skypix
 * trixel (one Arrow table per htm7 id, as LSST shards its refcats), and the truth catalog
 * of every star.
 */
import { tableFromArrays, type Table } from 'apache-arrow';
import type { StarField } from './star-field.js';

/** Relative flux error quoted in the reference catalog. */
export const REF_FLUX_ERROR = 0.01;

/** Indices of the stars that go into the reference catalog (r brighter than `magLimit`, or the first band's magnitude when r is not simulated), grouped by trixel, ascending. */
export function refCatShards(stars: StarField, magLimit: number): Map<number, number[]> {
  const selectBand = stars.mag['r'] ? 'r' : Object.keys(stars.mag)[0]!;
  const mags = stars.mag[selectBand]!;
  const shards = new Map<number, number[]>();
  for (let i = 0; i < stars.count; i++) {
    if (!(mags[i]! < magLimit)) continue;
    const t = stars.htm[i]!;
    const list = shards.get(t);
    if (list) list.push(i);
    else shards.set(t, [i]);
  }
  return new Map([...shards].sort((a, b) => a[0] - b[0]));
}

/**
 * One reference-catalog shard: `id`, `ra`, `dec` (degrees, exact), and per band
 * `<band>_flux` / `<band>_fluxErr` (nJy; the flux exact, the error 1%).
 */
export function refCatTable(stars: StarField, rows: readonly number[], bands: readonly string[]): Table {
  const columns: Record<string, BigInt64Array | Float64Array> = {
    id: BigInt64Array.from(rows, (i) => stars.id[i]!),
    ra: Float64Array.from(rows, (i) => stars.ra[i]!),
    dec: Float64Array.from(rows, (i) => stars.dec[i]!),
  };
  for (const b of bands) {
    columns[`${b}_flux`] = Float64Array.from(rows, (i) => stars.flux[b]![i]!);
    columns[`${b}_fluxErr`] = Float64Array.from(rows, (i) => stars.flux[b]![i]! * REF_FLUX_ERROR);
  }
  return tableFromArrays(columns);
}

/**
 * The truth catalog: every star with `id`, `ra`, `dec` (degrees), `<skypix>` (its trixel, e.g. `htm7`),
 * `in_ref_cat` (1 when in the reference catalog) and per band `<band>_mag` (AB) and
 * `<band>_flux` (nJy).
 */
export function truthTable(stars: StarField, bands: readonly string[], refMagLimit: number, skypixName = 'htm7'): Table {
  const selectBand = stars.mag['r'] ? 'r' : bands[0]!;
  const columns: Record<string, BigInt64Array | Float64Array | Int32Array | Int8Array> = {
    id: stars.id, ra: stars.ra, dec: stars.dec, [skypixName]: stars.htm,
    in_ref_cat: Int8Array.from(stars.mag[selectBand]!, (m) => (m < refMagLimit ? 1 : 0)),
  };
  for (const b of bands) {
    columns[`${b}_mag`] = stars.mag[b]!;
    columns[`${b}_flux`] = stars.flux[b]!;
  }
  return tableFromArrays(columns);
}
