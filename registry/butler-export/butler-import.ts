/**
 * `qg repo import`: loads a file written by LSST's `butler export` (description "Butler Data
 * Repository Export", version 1.0.x) into a repository. The file is read within size and
 * alias limits, its shape is checked, then, in one transaction, it is checked against the
 * registry and its dataset files are looked at before anything is written; so a bad file
 * leaves nothing half-imported, and errors name the file, line, entry and record.
 */
import { rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Knex } from 'knex';
import type { Repository } from '../repository.js';
import type { Registry } from '../registry.js';
import { FILE_RECORD_COLUMNS } from '../datastore/datastore.js';
import { EXPORT_YAML_LIMITS, readBoundedYaml } from '../yaml/bounded-yaml.js';
import { atPlace, parseExportYaml, type ExportDocument } from './butler-yaml.js';
import { readExport, type CalibrationEntry, type DatasetEntry, type DatasetRecordEntry, type ExportContent, type ExportEntry } from './export-reader.js';
import { validateImport } from './import-validator.js';
import { checkImportFiles, transferImportFiles, type ImportedFile } from './import-file-check.js';
import { checkTextLengths } from './import-length-check.js';

/** Counts of what an import added. */
export interface ImportSummary {
  dimensionRecords: Record<string, number>;
  collections: number;
  datasetTypes: number;
  datasets: number;
  associations: number;
  certifications: number;
  /** Datasets whose file was not in the repository: recorded as not transferred (NULL size and checksum). */
  filesNotTransferred: number;
  /** Fields of the export that qg's universe does not have (dropped), by element. */
  droppedFields: Record<string, string[]>;
}

/** Options of {@link importButlerExport}. */
export interface ImportOptions {
  /** Leave dimension records that already exist alone instead of failing. */
  readonly skipExistingDimensions?: boolean;
  /** Largest export accepted, in bytes (default `EXPORT_YAML_LIMITS.maxBytes`). */
  readonly maxBytes?: number;
  /**
   * How dataset files that the export's folder holds (at their recorded paths, as `qg repo
   * export --transfer` writes them) come into the repository: copied (the default) or hard
   * linked; `none` looks for them in the repository only.
   */
  readonly transfer?: 'copy' | 'link' | 'none';
}

/** Imports the export file at `path` into `repo`, all or nothing. */
export async function importButlerExport(repo: Repository, path: string, options: ImportOptions = {}): Promise<ImportSummary> {
  const limits = { ...EXPORT_YAML_LIMITS, maxBytes: options.maxBytes ?? EXPORT_YAML_LIMITS.maxBytes };
  const doc = parseExportYaml(readBoundedYaml(path, limits), path, limits);
  const content = readExport(doc, repo.registry.universe);
  const placed: string[] = [];
  let summary: ImportSummary;
  try {
    summary = await repo.registry.transaction(async (tx) => {
      const runs = await validateImport(repo.registry, doc, content, tx);
      await checkTextLengths(doc, content, tx);
      if ((options.transfer ?? 'copy') !== 'none') {
        placed.push(...await transferImportFiles(repo.root, dirname(resolve(path)), runs, doc, content.entries, options.transfer === 'link' ? 'link' : 'copy'));
      }
      const files = checkImportFiles(repo.root, runs, doc, content.entries);
      return new ImportWriter(repo.registry, doc, content, files, tx, options).write();
    });
  } catch (e) {
    for (const p of placed) rmSync(p, { force: true }); // the registrations are rolled back: their files go too
    throw e;
  }
  await repo.registry.db.refreshStatistics();
  return summary;
}

/** Writes checked export content in the import's transaction. */
class ImportWriter {
  private readonly summary: ImportSummary;

  constructor(
    private readonly registry: Registry,
    private readonly doc: ExportDocument,
    private readonly content: ExportContent,
    private readonly files: ReadonlyMap<DatasetRecordEntry, ImportedFile>,
    private readonly tx: Knex.Transaction,
    private readonly options: ImportOptions,
  ) {
    this.summary = {
      dimensionRecords: {}, collections: 0, datasetTypes: 0, datasets: 0, associations: 0, certifications: 0, filesNotTransferred: 0,
      droppedFields: { ...content.droppedFields },
    };
  }

  /** Writes every entry, then the chains (whose children may come later) and missing implied records. */
  async write(): Promise<ImportSummary> {
    const content = this.content;
    for (const entry of content.entries) await this.placed(entry, () => this.entry(entry));
    for (const entry of content.entries) {
      if (entry.kind === 'collection' && entry.type === 'CHAINED') await this.placed(entry, () => this.registry.collections.setChain(entry.name, [...entry.children], this.tx));
    }
    for (const [d, records] of content.implied) {
      const added = await this.registry.dimensions.insert(d, records, this.tx, { skipExisting: true });
      if (added) this.summary.dimensionRecords[d] = (this.summary.dimensionRecords[d] ?? 0) + added;
    }
    return this.summary;
  }

  private async placed(entry: ExportEntry, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      throw atPlace(this.doc, entry.place, e);
    }
  }

  private async entry(entry: ExportEntry): Promise<void> {
    const { registry, tx, summary } = this;
    switch (entry.kind) {
      case 'dimension':
        summary.dimensionRecords[entry.element] = (summary.dimensionRecords[entry.element] ?? 0) +
          await registry.dimensions.insert(entry.element, entry.records, tx, { skipExisting: this.options.skipExistingDimensions ?? false });
        return;
      case 'collection':
        await registry.collections.register(entry.name, entry.type, entry.doc, tx);
        summary.collections++;
        return;
      case 'dataset_type':
        await registry.datasetTypes.register(entry.spec, tx);
        summary.datasetTypes++;
        return;
      case 'dataset':
        return this.datasets(entry);
      case 'tagged': {
        const refs = await registry.datasets.byIds(entry.ids, tx);
        await registry.datasets.associate(entry.collection, refs, tx);
        summary.associations += refs.length;
        return;
      }
      case 'calibration':
        return this.certifications(entry);
    }
  }

  private async datasets(entry: DatasetEntry): Promise<void> {
    const type = await this.registry.datasetTypes.get(entry.datasetType, this.tx);
    const ids = entry.records.flatMap((r) => r.ids);
    await this.registry.datasets.insert(entry.datasetType, entry.run, entry.records.flatMap((r) => r.dataIds), this.tx, ids);
    const rows = entry.records.flatMap((r) => {
      const f = this.files.get(r);
      return f ? r.ids.map((id) => [id, f.path, f.formatter, type.storageClass, f.checksum, f.size]) : [];
    });
    await this.registry.db.insertRows(this.tx, 'datastore_record', FILE_RECORD_COLUMNS, rows);
    this.summary.datasets += ids.length;
    this.summary.filesNotTransferred += rows.filter((row) => row[5] === null).length;
  }

  private async certifications(entry: CalibrationEntry): Promise<void> {
    for (const range of entry.ranges) {
      const refs = await this.registry.datasets.byIds(range.ids, this.tx);
      await this.registry.datasets.certify(entry.collection, refs, range.timespan, this.tx);
      this.summary.certifications += refs.length;
    }
  }
}
