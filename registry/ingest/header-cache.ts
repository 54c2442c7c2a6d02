/**
 * A cache of raw files' primary headers keyed on (absolute path, size, modification time),
 * so each header is read from disk once: a second ingest or dry run of the same files
 * reads none. Kept as one JSON file (by default `<repo>/.qg/header-cache.json`), written
 * atomically; a missing or unreadable cache file just means an empty cache.
 *
 * Only value cards are kept (keyword and value, no comments): that is all a translation
 * reads, and it keeps entries around a kilobyte. Files that are not valid FITS are cached
 * too (their error), so a bad file is not re-read until it changes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeAtomically } from '../datastore/datastore.js';
import { FitsError, FitsHeader, readFitsHeader, type FitsErrorCode, type FitsValue } from '../datastore/fits/index.js';

/** Where a repository keeps its header cache, relative to the root. */
export const HEADER_CACHE_FILE = join('.qg', 'header-cache.json');

/** Version of the cache file's layout; other versions are ignored (and replaced). */
const CACHE_VERSION = 1;

interface CacheEntry {
  /** Size in bytes. */
  readonly size: number;
  /** Modification time in nanoseconds, as decimal text. */
  readonly mtime: string;
  /** `[keyword, value]` of each value card, in order. */
  readonly cards?: readonly (readonly [string, FitsValue])[];
  /** Why the file is not readable FITS. */
  readonly error?: { readonly message: string; readonly code: FitsErrorCode };
}

/** Counters of a cache's use since it was opened. */
export interface HeaderCacheStats {
  /** Headers read from disk. */
  reads: number;
  /** Headers (or cached FITS errors) served from the cache. */
  hits: number;
}

/** Header reads through a persistent (path, size, mtime) cache. */
export class HeaderCache {
  readonly stats: HeaderCacheStats = { reads: 0, hits: 0 };
  private dirty = false;

  private constructor(readonly file: string | null, private readonly entries: Map<string, CacheEntry>) {}

  /** An in-memory cache (nothing persisted). */
  static memory(): HeaderCache {
    return new HeaderCache(null, new Map());
  }

  /** Opens the cache stored in `file` (empty when it does not exist or cannot be read). */
  static open(file: string): HeaderCache {
    const entries = new Map<string, CacheEntry>();
    if (existsSync(file)) {
      try {
        const data = JSON.parse(readFileSync(file, 'utf8')) as { version?: number; entries?: Record<string, CacheEntry> };
        if (data.version === CACHE_VERSION && data.entries && typeof data.entries === 'object') {
          for (const [path, entry] of Object.entries(data.entries)) entries.set(path, entry);
        }
      } catch {
        // A damaged cache is only a slower ingest: start empty and rewrite it on save.
      }
    }
    return new HeaderCache(file, entries);
  }

  /** The cache of the repository rooted at `root`. */
  static forRepository(root: string): HeaderCache {
    return HeaderCache.open(join(root, HEADER_CACHE_FILE));
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The primary header of the FITS file at `path`, from the cache when the file's size and
   * modification time match the entry, else read (header blocks only; the file's size is
   * checked against its data unit, so truncated files fail here). Throws the FitsError of
   * an invalid file (cached as well), or the file-system error of an unreadable one.
   */
  async read(path: string): Promise<FitsHeader> {
    const key = resolve(path);
    const info = await stat(key, { bigint: true });
    const size = Number(info.size);
    const mtime = info.mtimeNs.toString();
    const hit = this.entries.get(key);
    if (hit && hit.size === size && hit.mtime === mtime) {
      this.stats.hits++;
      if (hit.error) throw new FitsError(hit.error.message, hit.error.code, { path: key });
      return new FitsHeader((hit.cards ?? []).map(([keyword, value]) => ({ keyword, value, comment: '' })));
    }
    this.stats.reads++;
    try {
      const { primary } = await readFitsHeader(key);
      const cards = primary.cards.filter((c) => c.kind !== 'commentary' && !['COMMENT', 'HISTORY', ''].includes(c.keyword)).map((c) => [c.keyword, c.value] as const);
      this.set(key, { size, mtime, cards });
      // The same cards as a cache hit gives, so a translation never depends on where a header came from.
      return new FitsHeader(cards.map(([keyword, value]) => ({ keyword, value, comment: '' })));
    } catch (e) {
      if (e instanceof FitsError) this.set(key, { size, mtime, error: { message: e.message, code: e.code } });
      throw e;
    }
  }

  private set(key: string, entry: CacheEntry): void {
    this.entries.set(key, entry);
    this.dirty = true;
  }

  /** Writes the cache file (atomically) if anything changed; a no-op for a memory cache. */
  save(): void {
    if (!this.file || !this.dirty) return;
    const entries: Record<string, CacheEntry> = {};
    for (const [k, v] of this.entries) entries[k] = v;
    writeAtomically(this.file, new TextEncoder().encode(JSON.stringify({ version: CACHE_VERSION, entries })));
    this.dirty = false;
  }
}
