/**
 * The `.qg` file: one Arrow IPC file (readable by any Arrow reader) holding one record
 * batch of one row, whose columns are lists of structs, one per table of the graph:
 * `tasks` (with each task's config, runner and gathering connections as JSON),
 * `dataset_types`, `connections`, `runs`, `datasets` (uuid, run, state), `edges`
 * (quantum, dataset, connection), and per task `quanta/<label>` and per dataset type
 * `data_ids/<type>` (data-ID columns), and `implied` with per element `implied/<element>`
 * (the values the data IDs imply: a visit's physical_filter and day_obs). Vectors are built
 * from the typed arrays directly.
 * Schema metadata holds the format version, the header (JSON) and a SHA-256 over every byte
 * of the file (`qg.file_checksum`): written as a placeholder of zeros, the digest of the file
 * with the placeholder is then put in its place (an Arrow IPC file stores its schema once, in
 * the footer, after every data buffer). Loading checks it before parsing anything, so a
 * flipped bit anywhere (task configs, the header, storage classes, Arrow lengths and offsets)
 * fails at once with a clear error instead of misleading a run or allocating what a corrupt
 * length asks for. `loadGraphOutline` (what `qg show` summarizes) verifies the same checksum
 * over the whole file, then parses only the tasks, the dataset types and the dataset states.
 *
 * With pyarrow: `t = pyarrow.ipc.open_file('g.qg').read_all()` then
 * `t.column('edges')[0].values.flatten()`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, createWriteStream, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  Bool, Dictionary, Field, FixedSizeBinary, Int32, Int64, Int8, List, RecordBatch, Schema, Struct, Table, Uint8, Utf8,
  DataType, RecordBatchFileWriter, RecordBatchReader, makeData, makeVector, tableFromIPC, tableToIPC, vectorFromArray, type Data,
} from 'apache-arrow';
import type { TaskRunner } from '../../pipelines/index.js';
import { PlanningError } from '../errors.js';
import { ImpliedValues } from './implied-values.js';
import {
  GRAPH_FORMAT_VERSION, QuantumGraph, type DataIdColumns, type GraphConnection, type GraphDatasetType, type GraphHeader, type GraphOutline, type GraphTask,
} from './quantum-graph.js';

/** Error for an unreadable graph file. */
export class GraphFileError extends PlanningError {
  override name = 'GraphFileError';
  constructor(message: string) {
    super(message, 'GRAPH_FILE');
  }
}

type AnyData = Data<DataType>;

const int32 = (values: Int32Array): AnyData => makeData({ type: new Int32(), data: values }) as AnyData;
const strings = (values: readonly string[]): AnyData => vectorFromArray([...values], new Utf8()).data[0] as AnyData;

/** Strings as a dictionary (a data-ID column repeats few distinct values). */
function dictionary(values: readonly string[]): AnyData {
  const index = new Map<string, number>();
  const codes = new Int32Array(values.length);
  values.forEach((v, i) => {
    let c = index.get(v);
    if (c === undefined) index.set(v, (c = index.size));
    codes[i] = c;
  });
  const dict = vectorFromArray([...index.keys()], new Utf8());
  return makeData({ type: new Dictionary(new Utf8(), new Int32()), data: codes, dictionary: dict }) as AnyData;
}

/**
 * 2^32. Integer data-ID columns are doubles in memory (exact up to 2^53) and int64 in the
 * file; they are converted as two 32-bit words (little-endian, as Arrow stores them), not a
 * BigInt per value, which costs ~0.3 s per million-quanta graph each way.
 */
const TWO_32 = 2 ** 32;

function int64(values: Float64Array): AnyData {
  const words = new Uint32Array(values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const high = Math.floor(v / TWO_32);
    words[2 * i] = v - high * TWO_32;
    words[2 * i + 1] = high; // a Uint32Array stores a negative high word as two's complement
  }
  return makeData({ type: new Int64(), data: new BigInt64Array(words.buffer) }) as AnyData;
}

function struct(fields: [string, AnyData][], length: number): AnyData {
  return makeData({ type: new Struct(fields.map(([n, d]) => new Field(n, d.type, false))), length, nullCount: 0, children: fields.map(([, d]) => d) }) as AnyData;
}

function list(child: AnyData): AnyData {
  return makeData({ type: new List(new Field('item', child.type, false)), length: 1, nullCount: 0, valueOffsets: Int32Array.of(0, child.length), child }) as AnyData;
}

function columnsData(columns: DataIdColumns, dims: readonly string[], length: number): AnyData {
  return struct(dims.map((d) => {
    const v = columns[d]!;
    return [d, v instanceof Float64Array ? int64(v) : dictionary(v)] as [string, AnyData];
  }), length);
}

/** A digest of a graph's contents (header, tasks with their configs, dataset types, every array): equal graphs, equal digests. */
export function graphChecksum(g: QuantumGraph): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([g.header, g.tasks.map((t) => [t.label, t.taskClass, t.dimensions, t.config, t.runner, t.multiple, t.quantumOffset, t.quantumCount]), g.datasetTypes.map((t) => [t.name, t.dimensions, t.storageClass, t.isCalibration, t.datasetOffset, t.datasetCount]), g.connections, g.runs]));
  for (const a of [g.datasetIds, g.datasetRuns, g.datasetStates, g.edgeQuanta, g.edgeDatasets, g.edgeConnections]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  h.update(JSON.stringify(g.implied.tables.map((t) => [t.element, t.keys, t.implied, t.count])));
  for (const cols of [...g.tasks.map((t) => t.dataIds), ...g.datasetTypes.map((t) => t.dataIds), ...g.implied.tables.map((t) => t.columns)]) {
    for (const [name, v] of Object.entries(cols).sort(([a], [b]) => a.localeCompare(b))) {
      h.update(name);
      h.update(v instanceof Float64Array ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : v.join('\u0000'));
    }
  }
  return h.digest('hex');
}

/** The graph as one Arrow table (one row of list<struct> columns), built on its typed arrays. */
function graphTable(g: QuantumGraph): Table {
  const columns: [string, AnyData][] = [
    ['tasks', list(struct([
      ['label', strings(g.tasks.map((t) => t.label))], ['task_class', strings(g.tasks.map((t) => t.taskClass))],
      ['dimensions', strings(g.tasks.map((t) => JSON.stringify(t.dimensions)))], ['config', strings(g.tasks.map((t) => JSON.stringify(t.config)))],
      ['runner', strings(g.tasks.map((t) => JSON.stringify(t.runner)))], ['multiple', strings(g.tasks.map((t) => JSON.stringify(t.multiple)))],
      ['quantum_offset', int32(Int32Array.from(g.tasks, (t) => t.quantumOffset))], ['quantum_count', int32(Int32Array.from(g.tasks, (t) => t.quantumCount))],
    ], g.tasks.length))],
    ['dataset_types', list(struct([
      ['name', strings(g.datasetTypes.map((t) => t.name))], ['dimensions', strings(g.datasetTypes.map((t) => JSON.stringify(t.dimensions)))],
      ['storage_class', strings(g.datasetTypes.map((t) => t.storageClass))],
      ['is_calibration', makeData({ type: new Bool(), data: packBits(g.datasetTypes.map((t) => t.isCalibration)), length: g.datasetTypes.length }) as AnyData],
      ['dataset_offset', int32(Int32Array.from(g.datasetTypes, (t) => t.datasetOffset))], ['dataset_count', int32(Int32Array.from(g.datasetTypes, (t) => t.datasetCount))],
    ], g.datasetTypes.length))],
    ['connections', list(struct([
      ['task', int32(Int32Array.from(g.connections, (c) => c.task))], ['name', strings(g.connections.map((c) => c.name))],
      ['dataset_type', int32(Int32Array.from(g.connections, (c) => c.datasetType))],
      ['direction', makeData({ type: new Int8(), data: Int8Array.from(g.connections, (c) => c.direction) }) as AnyData],
    ], g.connections.length))],
    ['runs', list(strings(g.runs))],
    ['datasets', list(struct([
      ['id', makeData({ type: new FixedSizeBinary(16), data: g.datasetIds, length: g.datasetCount }) as AnyData],
      ['run', int32(g.datasetRuns)],
      ['state', makeData({ type: new Uint8(), data: g.datasetStates }) as AnyData],
    ], g.datasetCount))],
    ['edges', list(struct([
      ['quantum', int32(g.edgeQuanta)], ['dataset', int32(g.edgeDatasets)], ['connection', int32(g.edgeConnections)],
    ], g.edgeCount))],
    ...g.tasks.map((t) => [`quanta/${t.label}`, list(columnsData(t.dataIds, t.dimensions, t.quantumCount))] as [string, AnyData]),
    ...g.datasetTypes.map((t) => [`data_ids/${t.name}`, list(columnsData(t.dataIds, t.dimensions, t.datasetCount))] as [string, AnyData]),
    ['implied', list(struct([
      ['element', strings(g.implied.tables.map((t) => t.element))], ['keys', strings(g.implied.tables.map((t) => JSON.stringify(t.keys)))],
      ['implied', strings(g.implied.tables.map((t) => JSON.stringify(t.implied)))],
    ], g.implied.tables.length))],
    ...g.implied.tables.map((t) => [`implied/${t.element}`, list(columnsData(t.columns, [...t.keys, ...t.implied], t.count))] as [string, AnyData]),
  ];
  const metadata = new Map([
    ['qg.format_version', String(GRAPH_FORMAT_VERSION)],
    ['qg.header', JSON.stringify(g.header)],
    ['qg.file_checksum', CHECKSUM_PLACEHOLDER],
  ]);
  const schema = new Schema(columns.map(([n, d]) => new Field(n, d.type, false)), metadata);
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 1, nullCount: 0, children: columns.map(([, d]) => d) }));
  return new Table([batch]);
}

/** Metadata value that announces the file checksum; the 64 hex digits that follow it are the digest. */
const CHECKSUM_TAG = Buffer.from('qg-sha256:');
const DIGEST_LENGTH = 64;
const CHECKSUM_PLACEHOLDER = `${CHECKSUM_TAG.toString()}${'0'.repeat(DIGEST_LENGTH)}`;
const PLACEHOLDER_BYTES = Buffer.from(CHECKSUM_PLACEHOLDER);
/** An Arrow IPC file holds its schema's metadata (and so the placeholder) once, in the footer. */
const CHECKSUM_COPIES = 1;

/** Offsets of every occurrence of `needle` in `bytes`. */
function occurrences(bytes: Uint8Array, needle: Uint8Array): number[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = buffer.indexOf(needle); i >= 0; i = buffer.indexOf(needle, i + 1)) out.push(i);
  return out;
}

/** Hashes file bytes as written (placeholder in place), and finds where the placeholders are, as the bytes stream by. */
class ChecksumStream extends Transform {
  private readonly hash = createHash('sha256');
  private tail = Buffer.alloc(0);
  private offset = 0;
  readonly positions: number[] = [];

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    // A placeholder may straddle chunks: look across the seam, then inside the chunk.
    const seam = Buffer.concat([this.tail, chunk.subarray(0, PLACEHOLDER_BYTES.length - 1)]);
    for (const i of occurrences(seam, PLACEHOLDER_BYTES)) this.positions.push(this.offset - this.tail.length + i);
    for (const i of occurrences(chunk, PLACEHOLDER_BYTES)) this.positions.push(this.offset + i);
    this.offset += chunk.length;
    const keep = PLACEHOLDER_BYTES.length - 1;
    this.tail = Buffer.from(chunk.length >= keep ? chunk.subarray(chunk.length - keep) : Buffer.concat([this.tail, chunk]).subarray(-keep));
    done(null, chunk);
  }

  digest(): string {
    if (this.positions.length !== CHECKSUM_COPIES) throw new GraphFileError(`graph file checksum placeholder found ${this.positions.length} times, expected ${CHECKSUM_COPIES}`);
    return this.hash.digest('hex');
  }
}

/** Serializes a graph to `.qg` bytes (in memory), checksum sealed. */
export function graphToBytes(g: QuantumGraph): Uint8Array {
  const bytes = tableToIPC(graphTable(g), 'file');
  const positions = occurrences(bytes, PLACEHOLDER_BYTES);
  if (positions.length !== CHECKSUM_COPIES) throw new GraphFileError(`graph file checksum placeholder found ${positions.length} times, expected ${CHECKSUM_COPIES}`);
  const digest = Buffer.from(createHash('sha256').update(bytes).digest('hex'));
  for (const p of positions) bytes.set(digest, p + CHECKSUM_TAG.length);
  return bytes;
}

/**
 * Checks the file checksum of `.qg` bytes before anything is parsed. False when the file has
 * no checksum at all (not a qg graph, or another format version: the caller says which).
 * The digest is in the footer, the file's last bytes: the last tag is the file's own (a task
 * config quoting the tag comes before it), and searching backwards finds it without a pass
 * over the data (the hash makes the one pass every byte needs).
 */
function verifyFileChecksum(bytes: Uint8Array, source: string): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = buffer.lastIndexOf(CHECKSUM_TAG);
  if (tag < 0) return false;
  const at = tag + CHECKSUM_TAG.length;
  const stored = buffer.subarray(at, at + DIGEST_LENGTH).toString('latin1');
  if (!/^[0-9a-f]{64}$/.test(stored)) {
    throw new GraphFileError(`'${source}' is corrupt or not a qg graph of format ${GRAPH_FORMAT_VERSION}: its file checksum is missing or damaged (rebuild the graph with qg build)`);
  }
  const hash = createHash('sha256').update(buffer.subarray(0, at)).update(PLACEHOLDER_BYTES.subarray(CHECKSUM_TAG.length));
  if (hash.update(buffer.subarray(at + DIGEST_LENGTH)).digest('hex') !== stored) {
    throw new GraphFileError(`'${source}' fails its checksum: the file is corrupt (changed after it was written)`);
  }
  return true;
}

/**
 * Writes a graph to `path`, streamed: the IPC writer hands the column buffers to the file as
 * it goes (no whole-file copy in memory); the bytes go to a temporary file that is flushed and
 * renamed into place, so a reader never sees a partial graph. Resolves to the file size.
 */
export async function saveGraph(g: QuantumGraph, path: string): Promise<number> {
  const table = graphTable(g);
  mkdirSync(dirname(resolve(path)), { recursive: true });
  const tmp = `${path}.tmp-${randomUUID()}`;
  try {
    const writer = new RecordBatchFileWriter();
    const checksum = new ChecksumStream();
    const written = pipeline(writer.toNodeStream(), checksum, createWriteStream(tmp));
    writer.write(table);
    writer.finish();
    await written;
    const digest = Buffer.from(checksum.digest());
    const fd = openSync(tmp, 'r+');
    try {
      for (const p of checksum.positions) writeSync(fd, digest, 0, digest.length, p + CHECKSUM_TAG.length);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return statSync(path).size;
}

/** Reads a `.qg` file; a truncated, corrupt or foreign file is a clear error. */
export function loadGraph(path: string): QuantumGraph {
  return graphFromBytes(readGraphFile(path), path);
}

/**
 * Reads what a summary prints of a `.qg` file (GraphOutline): the whole file is still read
 * and its checksum verified, as loadGraph does, but the data IDs, dataset UUIDs and edges are
 * not decoded (for a 290k-quanta graph that decoding is most of loadGraph's time).
 */
export function loadGraphOutline(path: string): GraphOutline {
  return graphOutlineFromBytes(readGraphFile(path), path);
}

function readGraphFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new GraphFileError(`cannot read graph file '${path}': ${(e as Error).message}`);
  }
}

/** Parses `.qg` bytes (`source` names them in errors). */
export function graphFromBytes(bytes: Uint8Array, source = '<bytes>'): QuantumGraph {
  const columns = openGraph(bytes, source);
  return wellFormed(source, () => {
    const outline = readOutline(columns);
    const tasks: GraphTask[] = outline.tasks.map((t) => ({ ...t, dataIds: readDataIds(columns, `quanta/${t.label}`, t.dimensions) }));
    const datasetTypes: GraphDatasetType[] = outline.datasetTypes.map((t) => ({ ...t, dataIds: readDataIds(columns, `data_ids/${t.name}`, t.dimensions) }));
    const conn = columns.list('connections');
    const cTask = ints(columns.field(conn, 'task')), cType = ints(columns.field(conn, 'dataset_type'));
    const cDir = Int8Array.from(values<Int8Array>(columns.field(conn, 'direction')));
    const connections: GraphConnection[] = texts(columns.field(conn, 'name')).map((name, i) => ({ task: cTask[i]!, name, datasetType: cType[i]!, direction: cDir[i]! as GraphConnection['direction'] }));
    const ds = columns.list('datasets');
    const edges = columns.list('edges');
    return new QuantumGraph(outline.header, tasks, datasetTypes, connections, texts(columns.list('runs')),
      Uint8Array.from(values<Uint8Array>(columns.field(ds, 'id'), 16)), ints(columns.field(ds, 'run')), outline.datasetStates,
      ints(columns.field(edges, 'quantum')), ints(columns.field(edges, 'dataset')), ints(columns.field(edges, 'connection')), readImplied(columns));
  });
}

/** Parses the outline of `.qg` bytes (loadGraphOutline). */
export function graphOutlineFromBytes(bytes: Uint8Array, source = '<bytes>'): GraphOutline {
  const columns = openGraph(bytes, source);
  return wellFormed(source, () => readOutline(columns));
}

/** The lists of a verified graph table's one row, and their struct fields; errors name the file. */
class GraphColumns {
  constructor(private readonly table: Table, readonly source: string) {}

  get metadata(): Map<string, string> {
    return this.table.schema.metadata;
  }

  /** The values of list column `name` (a struct, or strings for `runs`). */
  list(name: string): AnyData {
    const i = this.table.schema.fields.findIndex((f) => f.name === name);
    if (i < 0) throw new GraphFileError(`'${this.source}': missing column '${name}'`);
    return (this.table.batches[0]!.data.children[i] as AnyData).children[0] as AnyData;
  }

  field(s: AnyData, name: string): AnyData {
    const i = (s.type as Struct).children.findIndex((f) => f.name === name);
    if (i < 0) throw new GraphFileError(`'${this.source}': a table lacks its field '${name}' (written by an older qg? rebuild the graph with qg build)`);
    return s.children[i] as AnyData;
  }
}

/** Verifies and opens `.qg` bytes: the Arrow table, of this format version. */
function openGraph(bytes: Uint8Array, source: string): GraphColumns {
  if (!verifyFileChecksum(bytes, source)) throw foreignFormatError(bytes, source);
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (e) {
    throw new GraphFileError(`'${source}' is not a readable qg graph: ${(e as Error).message}`);
  }
  if (table.schema.metadata.get('qg.format_version') !== String(GRAPH_FORMAT_VERSION)) throw foreignFormatError(bytes, source);
  return new GraphColumns(table, source);
}

/** Runs `read`, reporting what a sealed but malformed file throws as a GraphFileError. */
function wellFormed<T>(source: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof GraphFileError) throw e;
    throw new GraphFileError(`'${source}' is not a well-formed qg graph: ${(e as Error).message}`);
  }
}

const texts = (d: AnyData): string[] => [...makeVector(d)].map((v) => String(v));
const json = <T>(d: AnyData): T[] => texts(d).map((s) => JSON.parse(s) as T);
// Arrow pads buffers: take exactly this Data's slice of its values.
const values = <T extends { subarray(a: number, b: number): T }>(d: AnyData, stride = 1): T => (d.values as unknown as T).subarray(d.offset * stride, (d.offset + d.length) * stride);
const ints = (d: AnyData): Int32Array => Int32Array.from(values<Int32Array>(d));

/** The header, tasks and dataset types (without data IDs), dataset states and sizes. */
function readOutline(columns: GraphColumns): GraphOutline {
  const tasks = readTasks(columns);
  const ds = columns.list('datasets');
  return {
    header: JSON.parse(columns.metadata.get('qg.header') ?? '{}') as GraphHeader,
    tasks, datasetTypes: readDatasetTypes(columns),
    datasetStates: Uint8Array.from(values<Uint8Array>(columns.field(ds, 'state'))),
    quantumCount: tasks.reduce((n, t) => n + t.quantumCount, 0), datasetCount: ds.length, edgeCount: columns.list('edges').length,
  };
}

function readTasks(columns: GraphColumns): Omit<GraphTask, 'dataIds'>[] {
  const d = columns.list('tasks');
  const field = (name: string): AnyData => columns.field(d, name);
  const classes = texts(field('task_class')), dims = json<string[]>(field('dimensions')), configs = json<Record<string, unknown>>(field('config'));
  const runners = json<TaskRunner | null>(field('runner')), multiples = json<string[]>(field('multiple'));
  const offsets = ints(field('quantum_offset')), counts = ints(field('quantum_count'));
  return texts(field('label')).map((label, i) => ({
    label, taskClass: classes[i]!, dimensions: dims[i]!, config: configs[i]!, runner: runners[i]!, multiple: multiples[i]!, quantumOffset: offsets[i]!, quantumCount: counts[i]!,
  }));
}

function readDatasetTypes(columns: GraphColumns): Omit<GraphDatasetType, 'dataIds'>[] {
  const d = columns.list('dataset_types');
  const field = (name: string): AnyData => columns.field(d, name);
  const dims = json<string[]>(field('dimensions')), storage = texts(field('storage_class'));
  const calib = [...makeVector(field('is_calibration'))].map(Boolean);
  const offsets = ints(field('dataset_offset')), counts = ints(field('dataset_count'));
  return texts(field('name')).map((name, i) => ({
    name, dimensions: dims[i]!, storageClass: storage[i]!, isCalibration: calib[i]!, datasetOffset: offsets[i]!, datasetCount: counts[i]!,
  }));
}

/** The implied-value tables: which elements, then each one's records. */
function readImplied(columns: GraphColumns): ImpliedValues {
  const d = columns.list('implied');
  const keys = json<string[]>(columns.field(d, 'keys')), implied = json<string[]>(columns.field(d, 'implied'));
  return new ImpliedValues(texts(columns.field(d, 'element')).map((element, i) => {
    const names = [...keys[i]!, ...implied[i]!];
    const records = readDataIds(columns, `implied/${element}`, names);
    return { element, keys: keys[i]!, implied: implied[i]!, count: columns.list(`implied/${element}`).length, columns: records };
  }));
}

/** An int64 column as doubles (see int64). */
function int64Numbers(d: AnyData): Float64Array {
  const values64 = values<BigInt64Array>(d);
  const words = new Uint32Array(values64.buffer, values64.byteOffset, values64.length * 2);
  const out = new Float64Array(values64.length);
  for (let i = 0; i < out.length; i++) out[i] = (words[2 * i + 1]! | 0) * TWO_32 + words[2 * i]!;
  return out;
}

/** The data-ID columns of list column `name` (a task's quanta or a type's datasets). */
function readDataIds(columns: GraphColumns, name: string, dims: readonly string[]): DataIdColumns {
  const d = columns.list(name);
  const out: Record<string, Float64Array | string[]> = {};
  for (const dim of dims) {
    const c = columns.field(d, dim);
    out[dim] = DataType.isInt(c.type) ? int64Numbers(c) : texts(c);
  }
  return out;
}

/**
 * Why bytes without a checksum tag (or a sealed file of another version) are not a graph this
 * qg reads: not Arrow, not a qg graph, another format version. A bit flip cannot get here
 * with a damaged footer: it would have to hit the tag, which leaves the footer intact. Only
 * the schema and footer are read.
 */
function foreignFormatError(bytes: Uint8Array, source: string): GraphFileError {
  let meta: Map<string, string>;
  try {
    meta = RecordBatchReader.from(bytes).open().schema.metadata;
  } catch (e) {
    return new GraphFileError(`'${source}' is not a readable qg graph (truncated or not an Arrow IPC file): ${(e as Error).message}`);
  }
  if (!meta.has('qg.format_version')) return new GraphFileError(`'${source}' is an Arrow file but not a qg graph (no qg.format_version)`);
  const version = meta.get('qg.format_version');
  if (version !== String(GRAPH_FORMAT_VERSION)) return new GraphFileError(`'${source}' has graph format version ${version}; this qg reads version ${GRAPH_FORMAT_VERSION} (rebuild it with qg build)`);
  return new GraphFileError(`'${source}' has no file checksum: it is corrupt`);
}

function packBits(values: readonly boolean[]): Uint8Array {
  const out = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v) out[i >> 3]! |= 1 << (i & 7);
  });
  return out;
}
