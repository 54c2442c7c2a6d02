/**
 * UVH5 files (pyuvdata's HDF5 visibility format) through h5wasm: a `Header` group with the
 * array, axes and baseline-time metadata, and a `Data` group with `visdata` (complex64,
 * written as the {r, i} compound h5py reads as complex), `flags` and `nsamples`, each shaped
 * (Nblts, Nfreqs, Npols). Baseline-times are time-major: row `t * Nbls + b`.
 *
 * h5wasm's Node build works on real files, so bytes are staged in a private temporary file.
 * A {@link Uvh5Reader} reads the header once and the data in row ranges (hyperslabs copied
 * straight out of the wasm heap, no per-element objects), so a caller holds one chunk at a
 * time. Flags are stored as int8 0/1 (h5py's bool is an HDF5 enum h5wasm cannot write).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { File as H5File, Group as H5Group } from 'h5wasm/node';
import { importModule } from '../core/index.js';
import { RadioError } from './errors.js';

/** Array, axis and baseline-time metadata of a visibility set (UVH5's Header group). */
export interface UvMeta {
  readonly telescopeName: string;
  readonly instrument: string;
  /** Array reference position: geodetic latitude and longitude (degrees), altitude (metres). */
  readonly latitudeDeg: number;
  readonly longitudeDeg: number;
  readonly altitudeM: number;
  readonly antennaNames: readonly string[];
  readonly antennaNumbers: Int32Array;
  /** ECEF offsets from the reference position, metres, (Nants_telescope, 3). */
  readonly antennaPositions: Float64Array;
  readonly antennaDiameters: Float64Array;
  /** Per baseline-time row: antennas, (u, v, w) in metres, Julian date, seconds. */
  readonly ant1: Int32Array;
  readonly ant2: Int32Array;
  readonly uvw: Float64Array;
  readonly time: Float64Array;
  readonly integrationTime: Float64Array;
  /** Channel centres and widths, Hz. */
  readonly freq: Float64Array;
  readonly channelWidth: Float64Array;
  /** AIPS polarization codes (-5 XX, -6 YY, ...). */
  readonly polarization: Int32Array;
  /** Phase centre (ICRS, radians). */
  readonly phaseCenterRa: number;
  readonly phaseCenterDec: number;
  /** `Jy` or `uncalib`. */
  readonly visUnits: string;
  readonly objectName: string;
  readonly history: string;
}

/** Visibilities, flags and sample counts of baseline-time rows, each (rows, Nfreqs, Npols); `vis` interleaves re, im. */
export interface UvArrays {
  readonly vis: Float32Array;
  readonly flags: Uint8Array;
  readonly nsamples: Float32Array;
}

/** A whole visibility set. */
export interface UvData extends UvMeta, UvArrays {}

/** UVH5's axis counts. */
export interface UvCounts {
  readonly Nblts: number;
  readonly Nbls: number;
  readonly Ntimes: number;
  readonly Nfreqs: number;
  readonly Npols: number;
  readonly Nspws: number;
  readonly Nants_data: number;
  readonly Nants_telescope: number;
}

/** Axis counts of `meta` (Nbls from distinct antenna pairs, Ntimes from distinct times). */
export function uvCounts(meta: UvMeta): UvCounts {
  const pairs = new Set<number>();
  const antennas = new Set<number>();
  for (let i = 0; i < meta.ant1.length; i++) {
    pairs.add(meta.ant1[i]! * 65536 + meta.ant2[i]!);
    antennas.add(meta.ant1[i]!).add(meta.ant2[i]!);
  }
  return {
    Nblts: meta.ant1.length, Nbls: pairs.size, Ntimes: new Set(meta.time).size, Nfreqs: meta.freq.length,
    Npols: meta.polarization.length, Nspws: 1, Nants_data: antennas.size, Nants_telescope: meta.antennaNumbers.length,
  };
}

/** Bytes per (row, channel, polarization) element of the data arrays, as read into memory. */
export const BYTES_PER_ELEMENT = 8 + 1 + 4;

const COMPLEX64: [string, string][] = [['r', '<f'], ['i', '<f']];

type H5wasm = typeof import('h5wasm/node');
/** h5wasm (an ES module of ~4 MB, imported by the first UVH5 read or write), once loaded. */
let h5wasm: H5wasm | undefined;

/** Resolves once the HDF5 library is loaded. */
export async function uvh5Ready(): Promise<void> {
  h5wasm ??= await importModule<H5wasm>('h5wasm/node');
  await h5wasm.ready;
}

/** The loaded library (after {@link uvh5Ready}). */
function h5(): H5wasm {
  if (!h5wasm) throw new RadioError('h5wasm is not loaded yet: await uvh5Ready() first', 'UVH5_FORMAT');
  return h5wasm;
}

/** `data` as UVH5 file bytes. */
export async function writeUvh5(data: UvData): Promise<Uint8Array> {
  await uvh5Ready();
  return withTempFile((path) => {
    const file = new (h5().File)(path, 'w');
    try {
      writeHeader(file.create_group('Header'), data);
      writeData(file.create_group('Data'), data);
    } finally {
      file.close();
    }
    return new Uint8Array(readFileSync(path));
  });
}

function writeHeader(h: H5Group, d: UvData): void {
  const c = uvCounts(d);
  const int = (name: string, value: number) => h.create_dataset({ name, data: value, dtype: '<i8' });
  const float = (name: string, value: number) => h.create_dataset({ name, data: value, dtype: '<d' });
  const text = (name: string, value: string) => h.create_dataset({ name, data: value });
  const array = (name: string, value: Float64Array | Int32Array, shape?: number[]) => h.create_dataset({ name, data: value, shape: shape ?? [value.length] });
  for (const [name, value] of Object.entries(c)) int(name, value);
  float('latitude', d.latitudeDeg);
  float('longitude', d.longitudeDeg);
  float('altitude', d.altitudeM);
  text('telescope_name', d.telescopeName);
  text('instrument', d.instrument);
  text('object_name', d.objectName);
  text('history', d.history);
  text('vis_units', d.visUnits);
  text('version', '1.0');
  text('phase_type', 'phased');
  float('phase_center_ra', d.phaseCenterRa);
  float('phase_center_dec', d.phaseCenterDec);
  float('phase_center_epoch', 2000);
  text('phase_center_frame', 'icrs');
  h.create_dataset({ name: 'antenna_names', data: [...d.antennaNames] });
  array('antenna_numbers', d.antennaNumbers);
  array('antenna_positions', d.antennaPositions, [c.Nants_telescope, 3]);
  array('antenna_diameters', d.antennaDiameters);
  array('ant_1_array', d.ant1);
  array('ant_2_array', d.ant2);
  array('uvw_array', d.uvw, [c.Nblts, 3]);
  array('time_array', d.time);
  array('integration_time', d.integrationTime);
  array('freq_array', d.freq);
  array('channel_width', d.channelWidth);
  array('spw_array', new Int32Array([0]));
  array('flex_spw_id_array', new Int32Array(c.Nfreqs));
  array('polarization_array', d.polarization);
}

function writeData(g: H5Group, d: UvData): void {
  const c = uvCounts(d);
  const shape = [c.Nblts, c.Nfreqs, c.Npols];
  const n = c.Nblts * c.Nfreqs * c.Npols;
  if (d.vis.length !== 2 * n || d.flags.length !== n || d.nsamples.length !== n) {
    throw new RadioError(`visibility arrays do not match (Nblts, Nfreqs, Npols) = (${shape.join(', ')})`, 'UVH5_FORMAT');
  }
  const re = new Float32Array(n), im = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    re[i] = d.vis[2 * i]!;
    im[i] = d.vis[2 * i + 1]!;
  }
  g.create_dataset({ name: 'visdata', data: new Map([['r', re], ['i', im]]), shape, dtype: COMPLEX64 });
  g.create_dataset({ name: 'flags', data: d.flags, shape, dtype: '|b1' });
  g.create_dataset({ name: 'nsamples', data: d.nsamples, shape, dtype: '<f' });
}

/**
 * An open UVH5 file: `meta` and `counts` read once, the data in row ranges. Close it (its
 * staged copy is removed).
 */
export class Uvh5Reader {
  /** Header reads this reader made (always 1 once `meta` was asked for: it is cached). */
  headerReads = 0;
  private cachedMeta: UvMeta | null = null;
  private cachedCounts: UvCounts | null = null;

  private constructor(private readonly file: H5File, private readonly cleanup: () => void) {}

  /** Opens UVH5 `bytes` (staged in a temporary file until `close`). */
  static async fromBytes(bytes: Uint8Array): Promise<Uvh5Reader> {
    if (!hasHdf5Signature(bytes)) throw new RadioError('not a UVH5 file (no HDF5 signature)', 'UVH5_FORMAT');
    await uvh5Ready();
    const dir = mkdtempSync(join(tmpdir(), 'qg-uvh5-'));
    const path = join(dir, 'data.uvh5');
    writeFileSync(path, bytes);
    try {
      return new Uvh5Reader(openUvh5(path), () => rmSync(dir, { recursive: true, force: true }));
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Opens the UVH5 file at `path` (read in place). */
  static async open(path: string): Promise<Uvh5Reader> {
    await uvh5Ready();
    return new Uvh5Reader(openUvh5(path), () => {});
  }

  /** The header, read on first use and kept. */
  get meta(): UvMeta {
    if (!this.cachedMeta) {
      this.headerReads++;
      this.cachedMeta = readMeta(this.file);
    }
    return this.cachedMeta;
  }

  /** Axis counts, from the header. */
  get counts(): UvCounts {
    this.cachedCounts ??= uvCounts(this.meta);
    return this.cachedCounts;
  }

  /**
   * Rows `[start, start + count)` of visdata, flags and nsamples; with `into`, copied into its
   * buffers (large enough for `count` rows) and returned as views of them, so that a caller
   * reading chunk after chunk allocates nothing.
   */
  readRows(start: number, count: number, into?: UvArrays): UvArrays {
    const { Nblts, Nfreqs, Npols } = this.counts;
    if (start < 0 || count < 0 || start + count > Nblts) throw new RadioError(`rows ${start}..${start + count} outside 0..${Nblts}`, 'UVH5_FORMAT');
    const n = count * Nfreqs * Npols;
    const target = into ?? { vis: new Float32Array(2 * n), flags: new Uint8Array(n), nsamples: new Float32Array(n) };
    const offset = [start, 0, 0], shape = [count, Nfreqs, Npols];
    const bytes = (a: Float32Array | Uint8Array, length: number) => new Uint8Array(a.buffer, a.byteOffset, length);
    readHyperslab(this.file, 'Data/visdata', offset, shape, bytes(target.vis, 8 * n));
    readHyperslab(this.file, 'Data/flags', offset, shape, bytes(target.flags, n));
    readHyperslab(this.file, 'Data/nsamples', offset, shape, bytes(target.nsamples, 4 * n));
    return { vis: target.vis.subarray(0, 2 * n), flags: target.flags.subarray(0, n), nsamples: target.nsamples.subarray(0, n) };
  }

  /** The whole file. */
  readAll(): UvData {
    return { ...this.meta, ...this.readRows(0, this.counts.Nblts) };
  }

  /** Closes the file and removes its staged copy. */
  close(): void {
    this.file.close();
    this.cleanup();
  }
}

/** Reads a whole UVH5 file from its bytes. */
export async function readUvh5(bytes: Uint8Array): Promise<UvData> {
  const reader = await Uvh5Reader.fromBytes(bytes);
  try {
    return reader.readAll();
  } finally {
    reader.close();
  }
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether the HDF5 signature is at offset 0, 512, 1024, 2048, ... (where the format allows it). */
function hasHdf5Signature(bytes: Uint8Array): boolean {
  for (let at = 0; at + HDF5_SIGNATURE.length <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (HDF5_SIGNATURE.every((b, i) => bytes[at + i] === b)) return true;
  }
  return false;
}

function openUvh5(path: string): H5File {
  const { File, Group, Dataset } = h5();
  const file = new File(path, 'r');
  if (!(file.get('Header') instanceof Group) || !(file.get('Data/visdata') instanceof Dataset)) {
    file.close();
    throw new RadioError('not a UVH5 file (no Header group or Data/visdata)', 'UVH5_FORMAT');
  }
  return file;
}

function readMeta(file: H5File): UvMeta {
  const { Dataset } = h5();
  const get = (name: string) => {
    const d = file.get(`Header/${name}`);
    if (!(d instanceof Dataset)) throw new RadioError(`UVH5 header lacks ${name}`, 'UVH5_FORMAT');
    return d.value;
  };
  const num = (name: string) => Number(get(name));
  const str = (name: string) => String(get(name));
  const f64 = (name: string) => Float64Array.from(get(name) as ArrayLike<number>);
  const i32 = (name: string) => Int32Array.from(Array.from(get(name) as ArrayLike<number | bigint>, Number));
  return {
    telescopeName: str('telescope_name'), instrument: str('instrument'),
    latitudeDeg: num('latitude'), longitudeDeg: num('longitude'), altitudeM: num('altitude'),
    antennaNames: (get('antenna_names') as string[]).map(String), antennaNumbers: i32('antenna_numbers'),
    antennaPositions: f64('antenna_positions'), antennaDiameters: f64('antenna_diameters'),
    ant1: i32('ant_1_array'), ant2: i32('ant_2_array'), uvw: f64('uvw_array'), time: f64('time_array'),
    integrationTime: f64('integration_time'), freq: f64('freq_array'), channelWidth: f64('channel_width'),
    polarization: i32('polarization_array'), phaseCenterRa: num('phase_center_ra'), phaseCenterDec: num('phase_center_dec'),
    visUnits: str('vis_units'), objectName: str('object_name'), history: str('history'),
  };
}

/** Copies a hyperslab of `path` (elements of target.length / product(count) bytes) out of the wasm heap into `target`. */
function readHyperslab(file: H5File, path: string, offset: readonly number[], count: readonly number[], target: Uint8Array): void {
  const nbytes = target.length;
  const module = h5().Module;
  const ptr = module._malloc(Math.max(nbytes, 1));
  if (ptr === 0) throw new RadioError(`cannot allocate ${nbytes} bytes to read ${path}`, 'UVH5_FORMAT');
  try {
    module.get_dataset_data(file.file_id, path, count.map(BigInt), offset.map(BigInt), count.map(() => 1n), BigInt(ptr));
    target.set(module.HEAPU8.subarray(ptr, ptr + nbytes));
  } finally {
    module._free(ptr);
  }
}

function withTempFile<T>(use: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'qg-uvh5-'));
  try {
    return use(join(dir, 'data.uvh5'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
