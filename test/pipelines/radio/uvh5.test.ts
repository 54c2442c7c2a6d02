/**
 * UVH5 files written through h5wasm: they round-trip through our reader (whole and in row
 * chunks), and Debian's h5py reads every header field pyuvdata requires with the values and
 * shapes written, and the data as complex64. Without python3-h5py the h5py test fails
 * (QG_ALLOW_MISSING_TOOLS=1 skips it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readUvh5, Uvh5Reader, uvCounts, writeUvh5, type UvData } from '../../../pipelines/radio/uvh5.js';
import { ALLOW_MISSING_TOOLS, HAS_H5PY, runPython } from '../../support/external-tools.js';

/** 3 antennas (3 cross baselines), 2 times, 4 channels, 2 polarizations. */
export function smallUvData(): UvData {
  const baselines = [[0, 1], [0, 2], [1, 2]] as const;
  const times = [2461000.5, 2461000.5 + 10 / 86400];
  const rows = baselines.length * times.length, nf = 4, np = 2;
  const n = rows * nf * np;
  const ant1 = new Int32Array(rows), ant2 = new Int32Array(rows), time = new Float64Array(rows), uvw = new Float64Array(rows * 3);
  times.forEach((t, ti) => baselines.forEach(([a, b], bi) => {
    const r = ti * baselines.length + bi;
    ant1[r] = a;
    ant2[r] = b;
    time[r] = t;
    uvw.set([10 * (b - a) + ti, 5 * a, 0.25 * b], r * 3);
  }));
  return {
    telescopeName: 'QGARRAY', instrument: 'QGArray', latitudeDeg: 37.2339, longitudeDeg: -118.2834, altitudeM: 1222,
    antennaNames: ['A0', 'A1', 'A2'], antennaNumbers: Int32Array.of(0, 1, 2),
    antennaPositions: Float64Array.of(0, 0, 0, 10, 0, 0, 20, 5, 0), antennaDiameters: Float64Array.of(4.65, 4.65, 4.65),
    ant1, ant2, uvw, time, integrationTime: new Float64Array(rows).fill(10),
    freq: Float64Array.from({ length: nf }, (_, i) => 1.4e9 + i * 1e6), channelWidth: new Float64Array(nf).fill(1e6),
    polarization: Int32Array.of(-5, -6), phaseCenterRa: 2.6, phaseCenterDec: 0.65, visUnits: 'uncalib', objectName: 'strip', history: 'qg test',
    vis: Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 ? -1 : 1) * (i + 0.5)),
    flags: Uint8Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 1 : 0)),
    nsamples: new Float32Array(n).fill(1),
  };
}

describe('UVH5 through h5wasm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qg-uvh5-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips, whole and in row chunks; the header is read once', async () => {
    const data = smallUvData();
    const bytes = await writeUvh5(data);
    const back = await readUvh5(bytes);
    expect(back).toEqual(data);
    const reader = await Uvh5Reader.fromBytes(bytes);
    try {
      expect(reader.counts).toEqual({ Nblts: 6, Nbls: 3, Ntimes: 2, Nfreqs: 4, Npols: 2, Nspws: 1, Nants_data: 3, Nants_telescope: 3 });
      const chunk = reader.readRows(2, 3);
      expect(chunk.vis).toEqual(data.vis.subarray(2 * 8 * 2, 5 * 8 * 2));
      expect(chunk.flags).toEqual(data.flags.subarray(2 * 8, 5 * 8));
      void reader.meta.freq;
      expect(reader.headerReads).toBe(1);
    } finally {
      reader.close();
    }
  });

  it('refuses bytes that are not UVH5', async () => {
    await expect(Uvh5Reader.fromBytes(new Uint8Array(4096).fill(7))).rejects.toMatchObject({ code: 'UVH5_FORMAT' });
  });

  it.skipIf(!HAS_H5PY && ALLOW_MISSING_TOOLS)('h5py reads every header field pyuvdata requires, and the data as complex64', async () => {
    if (!HAS_H5PY) throw new Error('python3-h5py is missing under /usr/bin/python3 (apt-get install -y python3-h5py, or QG_ALLOW_MISSING_TOOLS=1 to skip)');
    const data = smallUvData();
    const path = join(dir, 'small.uvh5');
    writeFileSync(path, await writeUvh5(data));
    const script = `
import sys, json, h5py, numpy as np
f = h5py.File(sys.argv[1], 'r')
h, d = f['Header'], f['Data']
def v(x):
    x = x[()]
    if isinstance(x, bytes): return x.decode()
    if isinstance(x, np.ndarray):
        if x.dtype.kind in 'SO': return [s.decode() if isinstance(s, bytes) else s for s in x.tolist()]
        return {'shape': list(x.shape), 'dtype': x.dtype.kind, 'values': x.ravel().tolist()}
    return x.item() if hasattr(x, 'item') else x
out = {k: v(h[k]) for k in h}
vis = d['visdata'][()]
out['visdata'] = {'dtype': str(vis.dtype), 'shape': list(vis.shape), 're': vis.real.ravel().tolist(), 'im': vis.imag.ravel().tolist()}
out['flags'] = {'shape': list(d['flags'].shape), 'values': d['flags'][()].astype(int).ravel().tolist()}
out['nsamples'] = {'dtype': str(d['nsamples'].dtype), 'values': d['nsamples'][()].ravel().tolist()}
print(json.dumps(out))`;
    type Arr = { shape: number[]; dtype: string; values: number[] };
    const h = runPython<Record<string, unknown>>(script, null, { args: [path] });
    const c = uvCounts(data);
    for (const key of ['Nbls', 'Nblts', 'Nfreqs', 'Npols', 'Ntimes', 'Nspws', 'Nants_data', 'Nants_telescope'] as const) expect(h[key], key).toBe(c[key]);
    expect([h['telescope_name'], h['instrument'], h['latitude'], h['longitude'], h['altitude']]).toEqual(['QGARRAY', 'QGArray', 37.2339, -118.2834, 1222]);
    const arr = (k: string) => h[k] as Arr;
    expect(arr('ant_1_array')).toMatchObject({ shape: [6], dtype: 'i', values: [...data.ant1] });
    expect(arr('ant_2_array').values).toEqual([...data.ant2]);
    expect(arr('uvw_array')).toMatchObject({ shape: [6, 3], dtype: 'f', values: [...data.uvw] });
    expect(arr('time_array')).toMatchObject({ shape: [6], values: [...data.time] });
    expect(arr('freq_array')).toMatchObject({ shape: [4], values: [...data.freq] });
    expect(arr('channel_width').values).toEqual([...data.channelWidth]);
    expect(arr('polarization_array').values).toEqual([-5, -6]);
    expect(arr('antenna_positions')).toMatchObject({ shape: [3, 3], values: [...data.antennaPositions] });
    expect(arr('antenna_numbers').values).toEqual([0, 1, 2]);
    expect(h['antenna_names']).toEqual(['A0', 'A1', 'A2']);
    expect(arr('integration_time').values).toEqual([...data.integrationTime]);
    const vis = h['visdata'] as { dtype: string; shape: number[]; re: number[]; im: number[] };
    expect([vis.dtype, vis.shape]).toEqual(['complex64', [6, 4, 2]]);
    expect(vis.re).toEqual([...data.vis].filter((_, i) => i % 2 === 0));
    expect(vis.im).toEqual([...data.vis].filter((_, i) => i % 2 === 1));
    expect(h['flags']).toEqual({ shape: [6, 4, 2], values: [...data.flags] });
    expect((h['nsamples'] as { dtype: string }).dtype).toBe('float32');
  });
});
