/**
 * The `.qg` file: one Arrow IPC file (readable by any Arrow reader) holding one record
 * batch of one row, whose columns are lists of structs, one per table of the graph:
 * `tasks` (with each task's config, runner and gathering connections as JSON),
 * `dataset_types`, `connections`, `runs`, `datasets` (uuid, run, state), `edges`
 * (quantum, dataset, connection), and per task `quanta/<label>` and per dataset type
 * `data_ids/<type>` (data-ID columns). Vectors are built from the typed arrays directly.
 * Schema metadata holds the format version, the header (JSON) and a SHA-256 over every byte
 * of the file (`qg.file_checksum`): written as a placeholder of zeros, the digest of the file
 * with the placeholder is then put in its place (the schema is stored twice, at the start and
 * in the footer). Loading checks it before parsing anything, so a flipped bit anywhere (task
 * configs, the header, storage classes, Arrow lengths and offsets) fails at once with a clear
 * error instead of misleading a run or allocating what a corrupt length asks for.
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
import { GRAPH_FORMAT_VERSION, QuantumGraph, type DataIdColumns, type GraphConnection, type GraphDatasetType, type GraphHeader, type GraphTask } from './quantum-graph.js';

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

function int64(values: Float64Array): AnyData {
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]!);
  return makeData({ type: new Int64(), data: out }) as AnyData;
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
  for (const cols of [...g.tasks.map((t) => t.dataIds), ...g.datasetTypes.map((t) => t.dataIds)]) {
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
/** Arrow JS writes the schema's metadata (and so the placeholder) once, in the schema message. */
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
 */
function verifyFileChecksum(bytes: Uint8Array, source: string): boolean {
  if (occurrences(bytes, CHECKSUM_TAG).length === 0) return false;
  const stored = occurrences(bytes, CHECKSUM_TAG).map((p) => ({ p, digest: Buffer.from(bytes.subarray(p + CHECKSUM_TAG.length, p + CHECKSUM_TAG.length + DIGEST_LENGTH)).toString('latin1') }))
    .filter((s) => /^[0-9a-f]{64}$/.test(s.digest));
  if (stored.length !== CHECKSUM_COPIES) {
    throw new GraphFileError(`'${source}' is corrupt or not a qg graph of format ${GRAPH_FORMAT_VERSION}: its file checksum is missing or damaged (rebuild the graph with qg build)`);
  }
  const hash = createHash('sha256');
  let from = 0;
  for (const { p } of stored) {
    hash.update(bytes.subarray(from, p + CHECKSUM_TAG.length));
    hash.update(PLACEHOLDER_BYTES.subarray(CHECKSUM_TAG.length));
    from = p + CHECKSUM_TAG.length + DIGEST_LENGTH;
  }
  hash.update(bytes.subarray(from));
  if (hash.digest('hex') !== stored[0]!.digest) throw new GraphFileError(`'${source}' fails its checksum: the file is corrupt (changed after it was written)`);
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
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new GraphFileError(`cannot read graph file '${path}': ${(e as Error).message}`);
  }
  return graphFromBytes(bytes, path);
}

/** Parses `.qg` bytes (`source` names them in errors). */
export function graphFromBytes(bytes: Uint8Array, source = '<bytes>'): QuantumGraph {
  if (!verifyFileChecksum(bytes, source)) throw foreignFormatError(bytes, source);
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (e) {
    throw new GraphFileError(`'${source}' is not a readable qg graph: ${(e as Error).message}`);
  }
  const meta = table.schema.metadata;
  if (meta.get('qg.format_version') !== String(GRAPH_FORMAT_VERSION)) throw foreignFormatError(bytes, source);
  try {
    const batch = table.batches[0]!;
    const column = (name: string): AnyData => {
      const i = table.schema.fields.findIndex((f) => f.name === name);
      if (i < 0) throw new GraphFileError(`'${source}': missing column '${name}'`);
      return (batch.data.children[i] as AnyData).children[0] as AnyData;
    };
    const field = (s: AnyData, name: string): AnyData => {
      const i = (s.type as Struct).children.findIndex((f) => f.name === name);
      if (i < 0) throw new GraphFileError(`'${source}': a table lacks its field '${name}' (written by an older qg? rebuild the graph with qg build)`);
      return s.children[i] as AnyData;
    };
    const texts = (d: AnyData): string[] => [...makeVector(d)].map((v) => String(v));
    // Arrow pads buffers: take exactly this Data's slice of its values.
    const values = <T extends { subarray(a: number, b: number): T }>(d: AnyData, stride = 1): T => (d.values as unknown as T).subarray(d.offset * stride, (d.offset + d.length) * stride);
    const ints = (d: AnyData): Int32Array => Int32Array.from(values<Int32Array>(d));
    const tasksData = column('tasks');
    const labels = texts(field(tasksData, 'label'));
    const taskClasses = texts(field(tasksData, 'task_class'));
    const taskDims = texts(field(tasksData, 'dimensions')).map((s) => JSON.parse(s) as string[]);
    const configs = texts(field(tasksData, 'config')).map((s) => JSON.parse(s) as Record<string, unknown>);
    const runners = texts(field(tasksData, 'runner')).map((s) => JSON.parse(s) as TaskRunner | null);
    const multiples = texts(field(tasksData, 'multiple')).map((s) => JSON.parse(s) as string[]);
    const qOffsets = ints(field(tasksData, 'quantum_offset')), qCounts = ints(field(tasksData, 'quantum_count'));
    const readColumns = (d: AnyData, dims: readonly string[]): DataIdColumns => {
      const out: Record<string, Float64Array | string[]> = {};
      for (const dim of dims) {
        const c = field(d, dim);
        out[dim] = DataType.isInt(c.type) ? Float64Array.from(makeVector(c) as Iterable<bigint>, Number) : texts(c);
      }
      return out;
    };
    const tasks: GraphTask[] = labels.map((label, i) => ({
      label, taskClass: taskClasses[i]!, dimensions: taskDims[i]!, config: configs[i]!, runner: runners[i]!, multiple: multiples[i]!,
      quantumOffset: qOffsets[i]!, quantumCount: qCounts[i]!, dataIds: readColumns(column(`quanta/${label}`), taskDims[i]!),
    }));
    const typesData = column('dataset_types');
    const names = texts(field(typesData, 'name'));
    const typeDims = texts(field(typesData, 'dimensions')).map((s) => JSON.parse(s) as string[]);
    const storage = texts(field(typesData, 'storage_class'));
    const calib = [...makeVector(field(typesData, 'is_calibration'))].map(Boolean);
    const dOffsets = ints(field(typesData, 'dataset_offset')), dCounts = ints(field(typesData, 'dataset_count'));
    const datasetTypes: GraphDatasetType[] = names.map((name, i) => ({
      name, dimensions: typeDims[i]!, storageClass: storage[i]!, isCalibration: calib[i]!,
      datasetOffset: dOffsets[i]!, datasetCount: dCounts[i]!, dataIds: readColumns(column(`data_ids/${name}`), typeDims[i]!),
    }));
    const conn = column('connections');
    const cTask = ints(field(conn, 'task')), cType = ints(field(conn, 'dataset_type'));
    const cDir = Int8Array.from(values<Int8Array>(field(conn, 'direction')));
    const connections: GraphConnection[] = texts(field(conn, 'name')).map((name, i) => ({ task: cTask[i]!, name, datasetType: cType[i]!, direction: cDir[i]! as GraphConnection['direction'] }));
    const runs = texts(column('runs'));
    const ds = column('datasets');
    const edges = column('edges');
    const header = JSON.parse(meta.get('qg.header') ?? '{}') as GraphHeader;
    const graph = new QuantumGraph(header, tasks, datasetTypes, connections, runs,
      Uint8Array.from(values<Uint8Array>(field(ds, 'id'), 16)), ints(field(ds, 'run')), Uint8Array.from(values<Uint8Array>(field(ds, 'state'))),
      ints(field(edges, 'quantum')), ints(field(edges, 'dataset')), ints(field(edges, 'connection')));
    return graph;
  } catch (e) {
    if (e instanceof GraphFileError) throw e;
    throw new GraphFileError(`'${source}' is not a well-formed qg graph: ${(e as Error).message}`);
  }
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
