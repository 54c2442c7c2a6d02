/**
 * The registry's tables. Static tables hold collections, dataset types and datasets;
 * one table per dimension element and one overlap table per spatial element come from the
 * universe; tag and calibration tables are made per dimension group when a dataset type
 * first needs them (`dataset_tags_<group id>`, `dataset_calibs_<group id>`).
 */
import type { Knex } from 'knex';
import type { DimensionElement, DimensionUniverse, FieldType } from '../universe/dimension-universe.js';
import { RegistryError } from '../errors.js';

/** Names of the static tables (no element may take one). */
export const STATIC_TABLES = [
  'qg_meta', 'dimension_group', 'collection', 'run', 'collection_chain', 'dataset_type', 'dataset',
  'datastore_record', 'collection_summary_dataset_type',
] as const;

/** The table of an element's skypix overlaps, e.g. `patch_htm7_overlap`. */
export function overlapTable(element: string, skypix: string): string {
  return `${element}_${skypix}_overlap`;
}

/** Summary table of a governor's values per collection. */
export function governorSummaryTable(governor: string): string {
  return `collection_summary_${governor}`;
}

/** Tag table of a dimension group. */
export function tagTable(groupId: number): string {
  return `dataset_tags_${String(groupId).padStart(4, '0')}`;
}

/** Calibration table of a dimension group. */
export function calibTable(groupId: number): string {
  return `dataset_calibs_${String(groupId).padStart(4, '0')}`;
}

function addColumn(t: Knex.CreateTableBuilder, name: string, type: FieldType): Knex.ColumnBuilder {
  switch (type) {
    case 'int': return t.bigInteger(name);
    case 'float': return t.double(name);
    case 'string': return t.string(name, 256);
    case 'bool': return t.boolean(name);
    case 'binary': return t.binary(name);
  }
}

/** Adds the key columns of `dimensions` (named after the dimension) to a table. */
export function addDimensionColumns(t: Knex.CreateTableBuilder, universe: DimensionUniverse, dimensions: readonly string[], nullable = false): void {
  for (const d of dimensions) {
    const col = addColumn(t, d, universe.dimension(d).key!.type);
    if (!nullable) col.notNullable();
  }
}

async function createElementTable(knex: Knex, universe: DimensionUniverse, e: DimensionElement): Promise<void> {
  await knex.schema.createTable(e.name, (t) => {
    addDimensionColumns(t, universe, e.required);
    if (e.key) addColumn(t, e.key.name, e.key.type).notNullable();
    addDimensionColumns(t, universe, e.implies, true);
    for (const f of e.fields) addColumn(t, f.name, f.type);
    if (e.spatial) t.binary('region');
    if (e.temporal) {
      t.bigInteger('timespan_begin');
      t.bigInteger('timespan_end');
    }
    t.primary(e.primaryKeyColumns);
    for (const d of e.implies) t.index([d]);
    // Join elements are searched from either side (visit_definition by instrument+visit as
    // well as by instrument+exposure): one index per non-leading key, with the others after it.
    if (!e.key) for (const d of e.required.slice(1)) t.index([d, ...e.required.filter((x) => x !== d)], `${e.name}_by_${d}`);
  });
  if (e.spatial) {
    await knex.schema.createTable(overlapTable(e.name, universe.skypix.name), (t) => {
      addDimensionColumns(t, universe, e.primaryKeyColumns.map((c) => (c === e.key?.name ? e.name : c)));
      t.bigInteger(universe.skypix.name).notNullable();
      t.index([universe.skypix.name], `${e.name}_overlap_px`);
      t.index(e.primaryKeyColumns.map((c) => (c === e.key?.name ? e.name : c)), `${e.name}_overlap_keys`);
    });
  }
}

/** Creates every table of a new registry. */
export async function createRegistrySchema(knex: Knex, universe: DimensionUniverse): Promise<void> {
  for (const e of universe.elements.values()) {
    if ((STATIC_TABLES as readonly string[]).includes(e.name)) throw new RegistryError(`element '${e.name}' collides with a registry table`, 'UNIVERSE');
  }
  await knex.schema.createTable('qg_meta', (t) => {
    t.string('key', 64).primary();
    t.text('value');
  });
  await knex.schema.createTable('dimension_group', (t) => {
    t.increments('dimension_group_id');
    t.string('dimensions', 512).notNullable().unique();
  });
  await knex.schema.createTable('collection', (t) => {
    t.increments('collection_id');
    t.string('name', 256).notNullable().unique();
    t.string('type', 16).notNullable();
    t.text('doc');
  });
  await knex.schema.createTable('run', (t) => {
    t.integer('collection_id').primary().references('collection_id').inTable('collection').onDelete('CASCADE');
    t.string('host', 128);
    t.bigInteger('timespan_begin');
    t.bigInteger('timespan_end');
  });
  await knex.schema.createTable('collection_chain', (t) => {
    t.integer('parent').notNullable().references('collection_id').inTable('collection').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.integer('child').notNullable().references('collection_id').inTable('collection');
    t.primary(['parent', 'position']);
    t.index(['child']);
  });
  await knex.schema.createTable('dataset_type', (t) => {
    t.increments('dataset_type_id');
    t.string('name', 128).notNullable().unique();
    t.integer('dimension_group_id').notNullable().references('dimension_group_id').inTable('dimension_group');
    t.string('storage_class', 64).notNullable();
    t.boolean('is_calibration').notNullable();
  });
  await knex.schema.createTable('dataset', (t) => {
    t.uuid('id').primary();
    t.integer('dataset_type_id').notNullable().references('dataset_type_id').inTable('dataset_type');
    t.integer('run_id').notNullable().references('collection_id').inTable('collection');
    t.bigInteger('ingest_date');
    t.index(['dataset_type_id', 'run_id']);
    t.index(['run_id']);
  });
  await knex.schema.createTable('datastore_record', (t) => {
    t.uuid('dataset_id').primary().references('id').inTable('dataset').onDelete('CASCADE');
    t.text('path').notNullable();
    t.string('formatter', 128).notNullable();
    t.string('storage_class', 64).notNullable();
    t.string('checksum', 80);
    t.bigInteger('file_size');
  });
  await knex.schema.createTable('collection_summary_dataset_type', (t) => {
    t.integer('collection_id').notNullable().references('collection_id').inTable('collection').onDelete('CASCADE');
    t.integer('dataset_type_id').notNullable().references('dataset_type_id').inTable('dataset_type');
    t.primary(['collection_id', 'dataset_type_id']);
  });
  for (const g of universe.governors) {
    await knex.schema.createTable(governorSummaryTable(g.name), (t) => {
      t.integer('collection_id').notNullable().references('collection_id').inTable('collection').onDelete('CASCADE');
      addDimensionColumns(t, universe, [g.name]);
      t.primary(['collection_id', g.name]);
    });
  }
  for (const e of universe.elements.values()) if (e.hasTable) await createElementTable(knex, universe, e);
}

/** Creates the tag and calibration tables of a dimension group. */
export async function createDatasetTables(knex: Knex, universe: DimensionUniverse, groupId: number, required: readonly string[]): Promise<void> {
  await knex.schema.createTable(tagTable(groupId), (t) => {
    t.integer('dataset_type_id').notNullable();
    t.integer('collection_id').notNullable().references('collection_id').inTable('collection').onDelete('CASCADE');
    t.uuid('dataset_id').notNullable().references('id').inTable('dataset').onDelete('CASCADE');
    addDimensionColumns(t, universe, required);
    t.unique(['dataset_type_id', 'collection_id', ...required], { indexName: `${tagTable(groupId)}_uk` });
    t.index(['dataset_id'], `${tagTable(groupId)}_ds`);
    t.index(['dataset_type_id', ...required], `${tagTable(groupId)}_dims`);
  });
  await knex.schema.createTable(calibTable(groupId), (t) => {
    t.increments('id');
    t.integer('dataset_type_id').notNullable();
    t.integer('collection_id').notNullable().references('collection_id').inTable('collection').onDelete('CASCADE');
    t.uuid('dataset_id').notNullable().references('id').inTable('dataset').onDelete('CASCADE');
    addDimensionColumns(t, universe, required);
    t.bigInteger('timespan_begin').notNullable();
    t.bigInteger('timespan_end').notNullable();
    t.index(['dataset_type_id', 'collection_id', ...required], `${calibTable(groupId)}_dims`);
    t.index(['dataset_id'], `${calibTable(groupId)}_ds`);
  });
}
