/**
 * The spatial pre-filters of a data-ID query: spatial families (observations, the skymap) are
 * related through the skypix overlap tables and then refined exactly (polygon overlap in JS),
 * and region literals of the where are matched the same way; the survivors go to temporary
 * tables that join like any other.
 */
import type { Executor } from '../dialect/database.js';
import { RegistryError } from '../errors.js';
import { HEAP_BYTES, heapHeadroomProblem } from '../memory/heap-budget.js';
import type { Registry } from '../registry.js';
import { overlapTable } from '../schema/registry-schema.js';
import { ConvexPolygon, HtmPixelization, meetingCircles, PackedPolygons, regionsOverlap, type Region } from '../spatial/index.js';
import { toBytes } from '../dimensions/dimension-records.js';
import type { DimensionElement, DimensionUniverse } from '../universe/dimension-universe.js';
import { logicalOperands, walkWhere, type WhereNode } from './where/index.js';
import type { BindValue } from './bind-values.js';
import type { QueryScope } from './data-id-query.js';
import { elementKeyColumns, elementKeyDims, type JoinedTable, type JoinPlan } from './join-plan.js';
import { analyzeWhere, compileWhere, regionElementFor, type RegionTerm, type WhereAnalysis } from './where-compiler.js';
import { keyKind, q, type TempTables } from './temp-tables.js';

/**
 * The spatial pre-filters, into temporary tables: exact pairs between the region elements of
 * consecutive spatial families and the skypix overlaps (both joined), and the matches of each
 * region literal of the where (returned, for EXISTS terms).
 */
export async function spatialFilters(scope: QueryScope, temps: TempTables, joins: JoinPlan): Promise<Map<RegionTerm, string>> {
  const { registry, tx, spec, where, all } = scope;
  const universe = registry.universe;
  const skypix = universe.skypix.name;
  const present = new Set(all.names);
  const regionElements = universe.spatialFamilies.map((f) => regionElementFor(f, present, universe)).filter((e): e is DimensionElement => e !== null);
  for (let i = 0; spec.spatialJoins !== false && i + 1 < regionElements.length; i++) {
    joins.add(await spatialPairs(registry, tx, temps, regionElements[i]!, regionElements[i + 1]!, where.ast, where.binds, where.expression, where.analysis));
  }
  if (all.has(skypix)) {
    const e = regionElements[0];
    if (!e) throw new RegistryError(`'${skypix}' can only be queried together with a spatial dimension (e.g. visit, patch)`, 'QUERY_SKYPIX');
    const o = overlapTable(e.name, skypix);
    const columns = new Map(elementKeyDims(e).map((d) => [d, d] as [string, string]));
    columns.set(skypix, skypix);
    joins.add({ sql: q(o), alias: o, columns, keys: [...columns.keys()] });
  }
  const regionTables = new Map<RegionTerm, string>();
  for (const term of where.analysis.regionTerms) regionTables.set(term, await regionMatches(registry, tx, temps, universe.element(term.element), term.region));
  return regionTables;
}

/** Below this many regions on the smaller side, pairs are found by a bounding-circle scan in JS. */
const SCAN_LIMIT = 5000;

/** One side of a spatial join: its records' keys and their regions, in the same order. */
interface Side {
  readonly keys: unknown[][];
  readonly polygons: PackedPolygons;
}

/**
 * Exact spatial pairs of two region elements (e.g. visit_detector_region x patch). Both
 * sides' regions are read once (narrowed by the where's key-only terms); when one side is
 * small (a tract's patches) pairs are screened by bounding circles in JS, otherwise
 * candidates come from the shared skypix trixels in SQL; either way each candidate is then
 * tested for true polygon overlap. The survivors go to a temporary table, joined like any other.
 */
async function spatialPairs(registry: Registry, tx: Executor, temps: TempTables, a: DimensionElement, b: DimensionElement,
  ast: WhereNode | null, binds: ReadonlyMap<string, BindValue>, expression: string, analysis: WhereAnalysis): Promise<JoinedTable> {
  const db = registry.db;
  const universe = registry.universe;
  const aDims = elementKeyDims(a), bDims = elementKeyDims(b);
  const pairDims = [...new Set([...aDims, ...bDims])];
  const narrowed = (dims: readonly string[], column: (d: string) => string) => {
    let sql = '';
    const bindings: unknown[] = [];
    for (const node of keyOnlyConjuncts(ast, new Set(dims), universe, binds, expression)) {
      const c = compileWhere(node, universe, binds, expression, { keySql: column, columnSql: () => '', regionTermSql: () => '1 = 1', dialect: db.dialect.where }, analysis);
      sql += ` AND (${c.sql})`;
      bindings.push(...c.bindings);
    }
    return { sql, bindings };
  };
  const side = async (e: DimensionElement, dims: string[]): Promise<Side> => {
    const cols = elementKeyColumns(e);
    const filter = narrowed(dims, (d) => `e.${q(cols[dims.indexOf(d)]!)}`);
    // read column by column: no array per record or Buffer per region on SQLite (selectColumns)
    const columns = await db.selectColumns(tx, db.placeholders(
      `SELECT ${cols.map((c) => `e.${q(c)}`).join(', ')}, e.region FROM ${q(e.name)} e WHERE e.region IS NOT NULL${recordsExist(universe, e, (d) => `e.${q(cols[dims.indexOf(d)]!)}`)}${filter.sql}`), filter.bindings,
    [...cols.map((name, i) => ({ name, kind: keyKind(universe, dims[i]!) })), { name: 'region', kind: 'blob' as const }]);
    const regions = columns.pop()!;
    const heap = heapHeadroomProblem(`decoding ${regions.length} ${e.name} regions for a spatial join`, regions.length * HEAP_BYTES.region);
    if (heap) throw new RegistryError(heap, 'HEAP_HEADROOM');
    const polygons = PackedPolygons.decode(regions.map(toBytes));
    const keys = regions.map((_, r) => columns.map((c) => c[r]));
    return { keys, polygons };
  };
  const A = await side(a, aDims);
  const B = await side(b, bDims);
  // pairs must agree on shared dimensions (e.g. instrument) before geometry matters
  const shared = aDims.flatMap((d, i) => (bDims.includes(d) ? [[i, bDims.indexOf(d)] as const] : []));
  const agree = (i: number, j: number) => shared.every(([x, y]) => A.keys[i]![x] === B.keys[j]![y]);
  const pairs = new PairList(B.keys.length);
  const keep = (i: number, j: number) => {
    if ((shared.length === 0 || agree(i, j)) && A.polygons.overlaps(i, B.polygons, j)) pairs.push(i, j);
  };
  if (Math.min(A.keys.length, B.keys.length) <= SCAN_LIMIT) {
    meetingCircles(A.polygons.circles, B.polygons.circles, keep);
  } else {
    const skypix = universe.skypix.name;
    const keyOf = (d: string) => (aDims.includes(d) ? `ao.${q(d)}` : `bo.${q(d)}`);
    const filter = narrowed(pairDims, keyOf);
    const candidates = await db.selectArrays(tx, db.placeholders(
      `SELECT DISTINCT ${pairDims.map(keyOf).join(', ')} FROM ${q(overlapTable(a.name, skypix))} ao, ${q(overlapTable(b.name, skypix))} bo ` +
      `WHERE ao.${q(skypix)} = bo.${q(skypix)}${shared.map(([x]) => ` AND ao.${q(aDims[x]!)} = bo.${q(aDims[x]!)}`).join('')}${filter.sql}`), filter.bindings);
    const indexOf = (keys: unknown[][]) => new Map(keys.map((k, i) => [k.join('\u0000'), i]));
    const ai = indexOf(A.keys), bi = indexOf(B.keys);
    const aCols = aDims.map((d) => pairDims.indexOf(d)), bCols = bDims.map((d) => pairDims.indexOf(d));
    for (const p of candidates) {
      const i = ai.get(aCols.map((c) => p[c]).join('\u0000')), j = bi.get(bCols.map((c) => p[c]).join('\u0000'));
      if (i !== undefined && j !== undefined) keep(i, j);
    }
  }
  const rows = pairRows(pairs, pairDims, { dims: aDims, keys: A.keys }, { dims: bDims, keys: B.keys });
  const table = await temps.create('pairs', universe, pairDims);
  await db.insertRows(tx, table, pairDims, rows);
  await temps.analyze(table);
  const guarantees = [a, b].flatMap((e) => [e.name, ...recordTables(universe, e).map((r) => r.name)]);
  return { sql: q(table), alias: table, columns: new Map(pairDims.map((d) => [d, d] as [string, string])), keys: pairDims, guarantees };
}

/** The elements of `e`'s required dimensions that have records (skypix has none). */
function recordTables(universe: DimensionUniverse, e: DimensionElement): DimensionElement[] {
  return e.required.map((d) => universe.element(d)).filter((r) => r.hasTable);
}

/**
 * Conditions that the records of `e`'s required dimensions exist (nothing in the schema
 * enforces it): with them the pairs guarantee those records, and the data-ID query need not
 * look each one up again per pair (JoinPlan.dropGuaranteed). `column` gives `e`'s key columns.
 */
function recordsExist(universe: DimensionUniverse, e: DimensionElement, column: (d: string) => string): string {
  return recordTables(universe, e).map((r) => {
    const keys = elementKeyDims(r), cols = elementKeyColumns(r);
    return ` AND EXISTS (SELECT 1 FROM ${q(r.name)} r WHERE ${keys.map((d, i) => `r.${q(cols[i]!)} = ${column(d)}`).join(' AND ')})`;
  }).join('');
}

/** The key values of the pairs (i of side a, j of side b) in `pairDims` order, each taken from the side that has it. */
function pairRows(pairs: PairList, pairDims: readonly string[],
  a: { dims: readonly string[]; keys: unknown[][] }, b: { dims: readonly string[]; keys: unknown[][] }): unknown[][] {
  const fromA = pairDims.map((d) => a.dims.indexOf(d)), fromB = pairDims.map((d) => b.dims.indexOf(d));
  const packed = pairs.sorted(), width = pairs.width;
  const rows: unknown[][] = new Array(packed.length);
  for (let p = 0; p < packed.length; p++) {
    const ak = a.keys[Math.floor(packed[p]! / width)]!, bk = b.keys[packed[p]! % width]!;
    const row: unknown[] = new Array(pairDims.length);
    for (let k = 0; k < pairDims.length; k++) row[k] = fromA[k]! >= 0 ? ak[fromA[k]!] : bk[fromB[k]!];
    rows[p] = row;
  }
  return rows;
}

/** Index pairs (i, j < width), packed as i * width + j in a growing typed array: no object per pair. */
class PairList {
  private keys = new Float64Array(1024);
  private length = 0;

  constructor(readonly width: number) {}

  push(i: number, j: number): void {
    if (this.length === this.keys.length) {
      const grown = new Float64Array(2 * this.length);
      grown.set(this.keys);
      this.keys = grown;
    }
    this.keys[this.length++] = i * this.width + j;
  }

  /** The pairs by i then j (the order of a nested scan, whatever order they were found in), still packed. */
  sorted(): Float64Array {
    return this.keys.slice(0, this.length).sort();
  }
}

/** Records of `e` whose region truly overlaps `region`, into a temporary table of their keys. */
async function regionMatches(registry: Registry, tx: Executor, temps: TempTables, e: DimensionElement, region: Region): Promise<string> {
  const db = registry.db;
  const skypix = registry.universe.skypix;
  const ranges = new HtmPixelization(skypix.skypix!.level).envelope(region, 64);
  const cols = elementKeyColumns(e);
  const dims = elementKeyDims(e);
  const table = await temps.create('region', registry.universe, dims);
  if (ranges.length) {
    const o = overlapTable(e.name, skypix.name);
    const inRange = ranges.map(() => `(o.${q(skypix.name)} >= ? AND o.${q(skypix.name)} < ?)`).join(' OR ');
    const rows = await db.selectArrays(tx, db.placeholders(
      `SELECT ${cols.map((c) => `e.${q(c)}`).join(', ')}, e.region FROM ${q(e.name)} e WHERE EXISTS (SELECT 1 FROM ${q(o)} o WHERE ${dims.map((d, i) => `o.${q(d)} = e.${q(cols[i]!)}`).join(' AND ')} AND (${inRange}))`),
      ranges.flatMap(([b, end]) => [b, end]));
    const hits = rows.filter((r) => r[cols.length] && regionsOverlap(ConvexPolygon.decode(toBytes(r[cols.length])), region)).map((r) => r.slice(0, cols.length));
    await db.insertRows(tx, table, dims, hits);
  }
  return table;
}

/** Top-level AND terms that reference only keys of `dims` (no fields, regions or timespans). */
function keyOnlyConjuncts(ast: WhereNode | null, dims: ReadonlySet<string>, universe: Registry['universe'], binds: ReadonlyMap<string, BindValue>, expression: string): WhereNode[] {
  if (!ast) return [];
  const keyOnly = (n: WhereNode): boolean => {
    switch (n.kind) {
      case 'Identifier': {
        const r = analyzeWhere(n, universe, binds, expression);
        return r.elements.size === 0 && r.regionTerms.length === 0 && [...r.dimensions].every((d) => dims.has(d));
      }
      case 'Binary': return n.op !== 'OVERLAPS';
      case 'Tuple': case 'Region': return false;
      default: return true;
    }
  };
  const onlyKeys = (root: WhereNode): boolean => {
    let ok = true;
    walkWhere(root, (n) => (ok &&= keyOnly(n)));
    return ok;
  };
  return logicalOperands(ast, 'AND').filter((n) => n.kind !== 'Identifier' && onlyKeys(n));
}
