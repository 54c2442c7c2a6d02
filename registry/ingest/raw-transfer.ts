/**
 * Putting a raw file into the datastore: copied, hard-linked or symlinked to its templated
 * path (through a temporary name and a rename, so the final path either does not exist or
 * is complete), or used where it is (`direct`, only inside the repository root). Each
 * transfer returns the file's size and SHA-256, computed while copying or by one read.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, mkdir, open, rename, rm, symlink, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, sep } from 'node:path';
import { RegistryError, type TransferErrorCode } from '../errors.js';
import { resolveInside } from '../datastore/file-template.js';

/** How raw files get into the repository. */
export type TransferMode = 'copy' | 'link' | 'symlink' | 'direct';

/** The transfer modes, for option checking. */
export const TRANSFER_MODES: readonly TransferMode[] = ['copy', 'link', 'symlink', 'direct'];

/** A file that could not be transferred (names the file and the cause). */
export class TransferError extends RegistryError {
  override name = 'TransferError';
  constructor(message: string, override readonly code: TransferErrorCode = 'TRANSFER') {
    super(message, code);
  }
}

/** A placed file: its path relative to the root, size and checksum. */
export interface PlacedFile {
  readonly path: string;
  readonly size: number;
  readonly checksum: string;
}

const CHUNK = 1 << 20;

/** SHA-256 and size of a file, read once as a stream. */
export async function hashFile(path: string): Promise<{ checksum: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { checksum: hash.digest('hex'), size };
}

/** Copies `src` to `dest` through a flushed temporary file and a rename, hashing as it goes. */
async function copyAtomically(src: string, dest: string): Promise<{ checksum: string; size: number }> {
  const tmp = `${dest}.tmp-${randomUUID()}`;
  const hash = createHash('sha256');
  let size = 0;
  const input = await open(src, 'r');
  try {
    const output = await open(tmp, 'wx');
    try {
      const buffer = Buffer.allocUnsafe(CHUNK);
      for (;;) {
        const { bytesRead } = await input.read(buffer, 0, CHUNK, null);
        if (bytesRead === 0) break;
        const chunk = buffer.subarray(0, bytesRead);
        hash.update(chunk);
        await output.write(chunk);
        size += bytesRead;
      }
      await output.sync();
    } finally {
      await output.close();
    }
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  } finally {
    await input.close();
  }
  return { checksum: hash.digest('hex'), size };
}

/** Creates a (hard or symbolic) link at a temporary name and renames it onto `dest`. */
async function linkAtomically(make: (tmp: string) => Promise<void>, dest: string): Promise<void> {
  const tmp = `${dest}.tmp-${randomUUID()}`;
  try {
    await make(tmp);
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * The path of `file` relative to `root` when the file (symlinks resolved) lies inside the
 * root, else `undefined`.
 */
export async function pathInsideRoot(root: string, file: string): Promise<string | undefined> {
  const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
  const rel = relative(realRoot, realFile);
  if (rel === '' || isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) return undefined;
  return rel.split(sep).join('/');
}

/**
 * Puts `src` into the repository at the relative `target` path (ignored for `direct`,
 * which registers the file where it is). `checksum: false` skips hashing for modes that
 * do not copy. Throws TransferError with an actionable message.
 */
export async function placeFile(root: string, src: string, target: string, mode: TransferMode, options: { checksum?: boolean } = {}): Promise<PlacedFile> {
  const withChecksum = options.checksum ?? true;
  const hashOrSize = async (path: string) => (withChecksum ? hashFile(path) : { checksum: '', size: (await stat(path)).size });
  if (mode === 'direct') {
    const rel = await pathInsideRoot(root, src);
    if (rel === undefined) {
      throw new TransferError(`--transfer direct registers files where they are, and ${src} is outside the repository root ${root}; use copy, link or symlink`, 'TRANSFER_OUTSIDE_ROOT');
    }
    return { path: rel, ...(await hashOrSize(src)) };
  }
  const dest = resolveInside(root, target);
  await mkdir(dirname(dest), { recursive: true });
  try {
    switch (mode) {
      case 'copy':
        return { path: target, ...(await copyAtomically(src, dest)) };
      case 'link':
        await linkAtomically((tmp) => link(src, tmp), dest);
        return { path: target, ...(await hashOrSize(dest)) };
      case 'symlink': {
        const absolute = await realpath(src);
        await linkAtomically((tmp) => symlink(absolute, tmp), dest);
        return { path: target, ...(await hashOrSize(absolute)) };
      }
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EXDEV') throw new TransferError(`cannot hard-link ${src} into ${root}: they are on different file systems; use --transfer copy or symlink`, 'TRANSFER_EXDEV');
    throw new TransferError(`cannot ${mode} ${src} to ${target}: ${err.message}`);
  }
  throw new TransferError(`unknown transfer mode '${mode as string}' (expected ${TRANSFER_MODES.join(', ')})`, 'TRANSFER_MODE');
}

/** Removes a placed file again (after a failed registration); never for `direct`. */
export async function unplaceFile(root: string, file: PlacedFile, mode: TransferMode): Promise<void> {
  if (mode === 'direct') return;
  await rm(resolveInside(root, file.path), { force: true });
}
