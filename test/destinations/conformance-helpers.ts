// Building blocks for the destination conformance suite: journal-like entries and OpenContent
// readers over Buffers that count what the destination asked for.
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import type { OpenContent } from '../../appliance/destinations/destination.js';
import type { FileEntry, FileType } from '../../appliance/journal/file-entry.js';

export const MTIME_NS = 1_700_000_000_123_456_000n; // whole microseconds: every destination keeps it
export const ATIME_NS = 1_690_000_000_654_321_000n;

let nextFileId = 1n;

export function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

export function randomData(size: number): Buffer {
  return randomBytes(size);
}

export function entryFor(path: string | Buffer, type: FileType, content: Buffer = Buffer.alloc(0), over: Partial<FileEntry> = {}): FileEntry {
  const isFile = type === 'file';
  return {
    type,
    mode: type === 'directory' ? 0o750 : type === 'symlink' ? 0o777 : 0o640,
    uid: 1234,
    gid: 5678,
    size: isFile || type === 'symlink' ? content.length : 0,
    atimeNs: ATIME_NS,
    mtimeNs: MTIME_NS,
    ctimeNs: MTIME_NS,
    fsId: 1n,
    fileId: nextFileId++,
    nlink: 1,
    rdevMajor: 0,
    rdevMinor: 0,
    ...(type === 'symlink' ? { target: content } : {}),
    path: typeof path === 'string' ? Buffer.from(path, 'utf8') : path,
    sha256: sha256(isFile ? content : Buffer.alloc(0)),
    chunks: [],
    ...over,
  };
}

/** What a destination read through an OpenContent: each open's offset, and bytes yielded. */
export class ContentCounter {
  readonly opens: number[] = [];
  bytes = 0;
}

const PIECE = 256 * 1024;

/** Yields `data` from `offset` in 256 KiB pieces; after `failAfter` bytes in total it throws (a crash stand-in). */
export function contentOf(data: Buffer, counter: ContentCounter = new ContentCounter(), failAfter = Infinity, onYield?: (total: number) => void): OpenContent {
  return async function* open(offset: number, signal?: AbortSignal) {
    counter.opens.push(offset);
    for (let at = offset; at < data.length; ) {
      if (signal?.aborted) throw signal.reason;
      const room = failAfter - counter.bytes;
      if (room <= 0) throw new Error('journal read failed (test)');
      const piece = data.subarray(at, Math.min(data.length, at + PIECE, at + room));
      at += piece.length;
      counter.bytes += piece.length;
      yield piece;
      onYield?.(counter.bytes);
    }
  };
}

export async function readAll(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of source) pieces.push(piece);
  return Buffer.concat(pieces);
}

export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown> | (() => unknown)): Promise<{ code?: string; message: string }> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected a rejection, but it succeeded');
}

/** Part files anywhere under `root`, counted with a walk of our own (not through the destination). */
export async function partFiles(root: Buffer): Promise<number> {
  let count = 0;
  for (const entry of await readdir(root, { withFileTypes: true, encoding: 'buffer' })) {
    const name = Buffer.from(entry.name);
    const path = Buffer.concat([root, Buffer.from('/'), name]);
    if (entry.isDirectory()) count += await partFiles(path);
    else if (name.toString('latin1').startsWith('.floe-part-')) count++;
  }
  return count;
}
