/**
 * The engine's batch file writer against the datastore's own `write`: same paths, same
 * records (formatter, checksum, size) and same bytes for every storage class the engine
 * writes; a failed batch leaves nothing behind; `flushFiles` names a missing file.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Datastore, type DatasetRef } from '../../registry/index.js';
import { flushFiles, prepareFiles, writeFiles } from '../../engine/index.js';
import { tempDir } from '../support/test-repos.js';

const ref = (datasetType: string, id: string): DatasetRef => ({ id, datasetType, run: 'u/me/run', dataId: { instrument: 'X', detector: 3 } });

describe('file batches', () => {
  it('write what Datastore.write writes, where it writes it', async () => {
    const a = tempDir(), b = tempDir();
    try {
      const mine = new Datastore(a.path), theirs = new Datastore(b.path);
      const items = [
        { ref: ref('squared', '11111111-1111-4111-8111-111111111111'), storageClass: 'StructuredDataDict', value: { value: 42, list: [1, 2] } },
        { ref: ref('square_metadata', '22222222-2222-4222-8222-222222222222'), storageClass: 'TaskMetadata', value: { seconds: { run: 0.5 } } },
        { ref: ref('square_log', '33333333-3333-4333-8333-333333333333'), storageClass: 'ButlerLogRecords', value: [{ message: 'hi' }] },
        { ref: { ...ref('square_config', '44444444-4444-4444-8444-444444444444'), dataId: {} }, storageClass: 'Config', value: { failOn: [1], sleepMs: 0 } },
      ];
      const written = await writeFiles(mine, items, false);
      items.forEach((item, i) => {
        const expected = theirs.write(item.ref, item.storageClass, item.value);
        expect(written[i]).toEqual(expected);
        expect(readFileSync(join(a.path, written[i]!.path))).toEqual(readFileSync(join(b.path, expected.path)));
        expect(mine.read(item.ref, written[i]!, { verifyChecksum: true })).toEqual(item.value);
      });
      expect(prepareFiles(mine, items).map((p) => p.file)).toEqual(written);
      await flushFiles(written.map((f) => mine.pathOf(f)));
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });

  it('a failed batch leaves no file, and flushFiles names a missing one', async () => {
    const dir = tempDir();
    try {
      const store = new Datastore(dir.path);
      const good = { ref: ref('squared', '55555555-5555-4555-8555-555555555555'), storageClass: 'StructuredDataDict', value: { value: 1 } };
      // the second file's folder is taken by a plain file: its write fails
      mkdirSync(join(dir.path, 'u/me/run'), { recursive: true });
      writeFileSync(join(dir.path, 'u/me/run/blocked'), 'x');
      const bad = { ref: ref('blocked', '66666666-6666-4666-8666-666666666666'), storageClass: 'StructuredDataDict', value: { value: 2 } };
      await expect(writeFiles(store, [good, bad])).rejects.toThrow();
      expect(readdirSync(join(dir.path, 'u/me/run')).sort()).toEqual(['blocked', 'squared']);
      expect(readdirSync(join(dir.path, 'u/me/run/squared'))).toEqual([]);
      const missing = join(dir.path, 'nothing.json');
      await expect(flushFiles([missing])).rejects.toThrow(`cannot flush ${missing}`);
      expect(existsSync(missing)).toBe(false);
    } finally {
      dir.cleanup();
    }
  });
});
