/**
 * `checkRepository` on each dialect: a fresh repository (and one with the fixture) reports
 * every expected index present and every table; after dropping indexes with raw SQL it
 * reports exactly those missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Repository } from '../../../registry/index.js';
import { checkRepository } from '../../../registry/maintenance/repo-check.js';
import { importButlerExport } from '../../../registry/butler-export/butler-import.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import { FIXTURE_EXPORT } from '../registry-test-helpers.js';

/** Element tables and the spatial ones, read from the shipped universe YAML. */
const universeYaml = parseYaml(readFileSync(new URL('../../../registry/universe/default-universe.yaml', import.meta.url), 'utf8')) as {
  elements: Record<string, { spatial?: string }>;
};
const elementTables = Object.keys(universeYaml.elements);
const spatialElements = Object.entries(universeYaml.elements).filter(([, e]) => e.spatial).map(([n]) => n);

describe.each(DIALECTS)('%s: repo check', (dialect) => {
  let fresh: Awaited<ReturnType<typeof makeRepo>>;
  let full: Awaited<ReturnType<typeof makeRepo>>;
  /** Raw SQL, as a careless migration would (PostgreSQL: a unique index belongs to its constraint). */
  const dropIndex = async (repo: Repository, name: string, table: string, constraint = false) => {
    await repo.registry.knex.raw(dialect === 'postgresql' && constraint ? `ALTER TABLE "${table}" DROP CONSTRAINT "${name}"` : `DROP INDEX "${name}"`);
  };
  beforeAll(async () => {
    fresh = await makeRepo(dialect);
    full = await makeRepo(dialect);
    await importButlerExport(full.repo, FIXTURE_EXPORT);
  });
  afterAll(async () => {
    await fresh.dispose();
    await full.dispose();
  });

  it('a fresh repository has every expected index and lists every element and overlap table', async () => {
    const report = await checkRepository(fresh.repo);
    expect(report.dialect).toBe(dialect);
    expect(report.missingIndexes).toEqual([]);
    const names = report.tables.map((t) => t.name);
    for (const e of elementTables) expect(names).toContain(e);
    for (const e of spatialElements) expect(names).toContain(`${e}_htm7_overlap`);
    for (const t of ['collection', 'collection_chain', 'dataset', 'dataset_type', 'datastore_record', 'run', 'qg_meta']) expect(names).toContain(t);
    expect(report.tables.every((t) => t.rows === 0 || ['qg_meta'].includes(t.name))).toBe(true);
    expect(report.plan.length).toBeGreaterThan(0);
    expect(report.statistics).toMatch(dialect === 'sqlite' ? /^absent/ : /^\d+ column statistics in pg_stats$/);
  });

  it('reports planner statistics once ANALYZE has run', async () => {
    await full.repo.registry.knex.raw('ANALYZE');
    const report = await checkRepository(full.repo);
    if (dialect === 'sqlite') expect(report.statistics).toBe('present (sqlite_stat1)');
    else expect(Number(/^(\d+) column statistics/.exec(report.statistics)![1])).toBeGreaterThan(0);
  });

  it('with the fixture: row counts, and the tag tables indexed too', async () => {
    const report = await checkRepository(full.repo);
    expect(report.missingIndexes).toEqual([]);
    const rows = new Map(report.tables.map((t) => [t.name, t.rows]));
    expect(rows.get('visit_detector_region')).toBe(240);
    expect(rows.get('patch')).toBe(49);
    expect(rows.get('collection')).toBe(6);
    expect(rows.get('dataset')).toBe(401);
    expect(report.tables.filter((t) => t.name.startsWith('dataset_tags_')).length).toBeGreaterThan(0);
  });

  it('reports each dropped index as missing, naming table and columns', async () => {
    await dropIndex(fresh.repo, 'patch_overlap_px', 'patch_htm7_overlap');
    let report = await checkRepository(fresh.repo);
    expect(report.missingIndexes).toEqual(['patch_htm7_overlap(htm7)']);
    await dropIndex(fresh.repo, 'visit_detector_region_overlap_px', 'visit_detector_region_htm7_overlap');
    report = await checkRepository(fresh.repo);
    expect([...report.missingIndexes].sort()).toEqual(['patch_htm7_overlap(htm7)', 'visit_detector_region_htm7_overlap(htm7)']);
    expect(report.tables.find((t) => t.name === 'patch_htm7_overlap')!.indexes.some((i) => i.startsWith('patch_overlap_px'))).toBe(false);
  });

  it('a dropped tag-table unique index is reported with its dataset columns', async () => {
    const raw = await full.repo.registry.datasetTypes.get('raw');
    await dropIndex(full.repo, `${raw.tagTable}_uk`, raw.tagTable, true);
    const report = await checkRepository(full.repo);
    expect(report.missingIndexes).toEqual([`${raw.tagTable}(dataset_type_id, collection_id, instrument, detector, exposure)`]);
  });
});
