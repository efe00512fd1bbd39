// The S3 source with attributesFromRead (issue 23, "ingest from an RGW bucket >= the faster
// peer"), against a real Ceph RGW: a first ingest sends one GET and no HeadObject for an object
// larger than a symlink target, and records exactly what an ingest with a HeadObject per object
// records (every field); folders, symlink objects, small and empty objects are still looked up;
// TransferMode CHANGED skips unchanged objects with no request beyond the listing and copies one
// whose content or metadata changed; an object replaced between the listing and its GET is read
// again as it is after; both verify modes pass.
import { CopyObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileEntry } from '../../appliance/journal/file-entry.js';
import type { Journal } from '../../appliance/journal/journal.js';
import { openS3Source, type S3Source } from '../../appliance/sources/s3/s3-source.js';
import type { RgwServer } from '../harness/rgw.js';
import { adminClient } from '../harness/s3-admin.js';
import { ingestOnce, newJournal } from '../ingest/ingest-fixtures.js';
import { s3SourceOptions, sharedRgw, stopSharedRgw } from './s3-fixture.js';
import { sha256 } from './source-fixture.js';

afterAll(stopSharedRgw);

const b = (text: string): Buffer => Buffer.from(text);
const KIB = 1024;
const SMALL_OBJECTS = 40;

/** Counts the commands a client sends, by name (HeadObjectCommand, GetObjectCommand, ...). */
function countCommands(client: S3Client, before?: (command: string, input: Record<string, unknown>) => Promise<void>): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '?';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      await before?.(name, args.input as Record<string, unknown>);
      return next(args);
    },
    { step: 'initialize', name: `floeCount${Math.random().toString(36).slice(2)}` },
  );
  delete (client as unknown as { handlers?: unknown }).handlers; // resolved stacks are cached
  return counts;
}

/** Every field of a journal entry, as comparable values. */
function fields(entry: FileEntry): Record<string, unknown> {
  return { ...entry, path: entry.path.toString('utf8'), target: entry.target?.toString('utf8'), sha256: entry.sha256.toString('hex'), chunks: entry.chunks.map((c) => `${c.sha256.toString('hex')}:${c.size}`) };
}

async function entries(journal: Journal): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const entry of journal.files()) out.push(fields(entry));
  return out.sort((x, y) => String(x.path).localeCompare(String(y.path)));
}

const body = (i: number, size: number): Buffer => Buffer.alloc(size, `object ${i} `);

describe('s3 source with attributesFromRead (the ingest): metadata from the GET', () => {
  let server: RgwServer;
  let admin: S3Client;
  const opened: S3Source[] = [];
  const open = async (uri: string, attributesFromRead: boolean): Promise<S3Source> => {
    const source = await openS3Source(uri, s3SourceOptions(server, { attributesFromRead }));
    opened.push(source);
    return source;
  };
  const put = (bucket: string, key: string, data: Buffer | string, metadata?: Record<string, string>) =>
    admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(data), ...(metadata === undefined ? {} : { Metadata: metadata }) }));
  const floeKeys = (i: number): Record<string, string> => ({
    'file-permissions': i % 3 === 0 ? '0100640' : '0104755',
    'file-owner': String(1000 + i),
    'file-group': String(2000 + i),
    'file-mtime': `${1_600_000_000_000_000_000n + BigInt(i) * 1_000_000_007n}ns`,
    'file-atime': `${1_700_000_000_123_456_789n + BigInt(i)}ns`,
  });

  beforeAll(async () => {
    server = await sharedRgw();
    admin = adminClient(server);
    await server.createBucket('from-read');
    // Small objects (5-64 KiB) with floe's keys, a few without; a folder object with its
    // metadata and an implicit folder; a symlink object, a FIFO, a tiny file and an empty one (all
    // no larger than a symlink target); and an object marked as a symlink that is larger.
    for (let i = 0; i < SMALL_OBJECTS; i++) {
      const size = 5 * KIB + ((i * 1597) % (59 * KIB));
      await put('from-read', `${i % 2 === 0 ? '' : 'folder/'}obj-${i}.bin`, body(i, size), i % 10 === 9 ? undefined : floeKeys(i));
    }
    await put('from-read', 'folder/', '', { 'file-permissions': '040750', 'file-owner': '5', 'file-group': '6', 'file-mtime': '1500000000000000000ns', 'file-atime': '1500000000000000000ns' });
    await put('from-read', 'implicit/deep.bin', body(99, 6 * KIB), floeKeys(99));
    await put('from-read', 'link', 'folder/obj-1.bin', { 'file-permissions': '0120777', 'file-owner': '7', 'file-group': '8', 'file-mtime': '1600000000000000001ns', 'file-atime': '1600000000000000002ns' });
    await put('from-read', 'fifo', '', { 'file-permissions': '010644', 'file-owner': '9', 'file-group': '9', 'file-mtime': '1600000000000000003ns', 'file-atime': '1600000000000000003ns' });
    await put('from-read', 'tiny.txt', 'tiny\n', floeKeys(100));
    await put('from-read', 'empty.txt', '', floeKeys(101));
    await put('from-read', 'long-link', 'x/'.repeat(2600), { 'file-permissions': '0120777', 'file-owner': '7', 'file-group': '8', 'file-mtime': '1600000000000000004ns', 'file-atime': '1600000000000000004ns' });
  }, 120_000);

  afterAll(async () => {
    for (const source of opened) await source.close();
    admin?.destroy();
  });

  // Looked up in the listing: 'folder/' and 'implicit/' (404), link, fifo, tiny.txt, empty.txt;
  // empty.txt again after its read (no GET for no bytes: as before); long-link once its GET showed
  // a symlink (then its body again, as its target).
  const HEADS_FIRST = 6 + 1 + 1;
  const GETS_FIRST = SMALL_OBJECTS + 1 + 1 + 1 + 1 + 1; // objects, deep.bin, tiny.txt, link's target, long-link's GET and its target

  it('sends no HeadObject for an object larger than a symlink target, and records every field as an ingest with a HeadObject per object does', async () => {
    const withHeads = await open('s3://from-read', false);
    const fromRead = await open('s3://from-read', true);
    const headCounts = countCommands(withHeads.client);
    const readCounts = countCommands(fromRead.client);
    const a = await newJournal();
    const c = await newJournal();
    try {
      const options = { VerifyMode: 'NONE', PreserveDevices: 'PRESERVE', LogLevel: 'TRANSFER' };
      const before = await ingestOnce(withHeads, a.journal, options);
      const after = await ingestOnce(fromRead, c.journal, options);
      expect(after.result.error).toBeUndefined();
      const files = SMALL_OBJECTS + 6; // deep.bin, link, fifo, tiny.txt, empty.txt, long-link
      expect(before.counters).toMatchObject({ FilesTransferred: files, FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0 } });
      // long-link was listed as a file: its target's bytes count as written (two GETs of it, read).
      expect(after.counters).toMatchObject({ FilesTransferred: files, BytesWritten: before.counters.BytesWritten + 5200, FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0 } });

      const recorded = await entries(c.journal);
      expect(recorded).toEqual(await entries(a.journal));
      expect(recorded).toHaveLength(files + 2); // and the folders 'folder', 'implicit'
      expect(recorded.find((e) => e.path === 'obj-0.bin')).toMatchObject({ type: 'file', mode: 0o640, uid: 1000, gid: 2000, mtimeNs: 1_600_000_000_000_000_000n, atimeNs: 1_700_000_000_123_456_789n });
      expect(recorded.find((e) => e.path === 'folder/obj-1.bin')).toMatchObject({ type: 'file', mode: 0o4755, uid: 1001, gid: 2001, mtimeNs: 1_600_000_001_000_000_007n });
      expect(recorded.find((e) => e.path === 'folder/obj-9.bin')).toMatchObject({ type: 'file', mode: 0o644, uid: 65534, gid: 65534 });
      expect(recorded.find((e) => e.path === 'folder')).toMatchObject({ type: 'directory', mode: 0o750, uid: 5, gid: 6 });
      expect(recorded.find((e) => e.path === 'link')).toMatchObject({ type: 'symlink', target: 'folder/obj-1.bin', uid: 7 });
      expect(recorded.find((e) => e.path === 'long-link')).toMatchObject({ type: 'symlink', target: 'x/'.repeat(2600) });
      expect(recorded.find((e) => e.path === 'fifo')).toMatchObject({ type: 'fifo', size: 0 });

      expect(headCounts.get('HeadObjectCommand')).toBe(SMALL_OBJECTS + 9); // every object and folder; empty.txt after its read
      expect(readCounts.get('HeadObjectCommand')).toBe(HEADS_FIRST);
      expect(readCounts.get('GetObjectCommand')).toBe(GETS_FIRST);
      expect(readCounts.get('ListObjectsV2Command')).toBe(headCounts.get('ListObjectsV2Command'));
    } finally {
      await a.cleanup();
      await c.cleanup();
    }
  }, 120_000);

  it('TransferMode CHANGED skips unchanged objects with no request beyond the listing, and copies one whose content or only metadata changed', async () => {
    // long-link, a symlink object larger than any symlink target can be (4,095 bytes), is listed
    // as a file and so copied again on every run (its GET shows what it is).
    const files = SMALL_OBJECTS + 6;
    const { journal, cleanup } = await newJournal();
    try {
      const options = { VerifyMode: 'NONE', PreserveDevices: 'PRESERVE', TransferMode: 'CHANGED' };
      expect((await ingestOnce(await open('s3://from-read', true), journal, options)).counters.FilesTransferred).toBe(SMALL_OBJECTS + 6);
      const rerun = await open('s3://from-read', true);
      const counts = countCommands(rerun.client);
      const again = await ingestOnce(rerun, journal, options);
      expect(again.counters).toMatchObject({ FilesTransferred: 1, FilesSkipped: files - 1, FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0 } });
      expect(again.files.filter((f) => f.category === 'transferred').map((f) => f.path.toString())).toEqual(['long-link']);
      expect(counts.get('HeadObjectCommand')).toBe(6 + 1); // the listing's lookups; long-link's
      expect(counts.get('GetObjectCommand')).toBe(1 + 2); // link's target, read with its lookup; long-link's two

      // A new body for obj-2.bin; new metadata only for obj-4.bin (same bytes, same ETag: a new
      // Last-Modified), a second later so Last-Modified moves.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await put('from-read', 'obj-2.bin', body(2, 7 * KIB), floeKeys(2));
      await admin.send(new CopyObjectCommand({ Bucket: 'from-read', Key: 'obj-4.bin', CopySource: 'from-read/obj-4.bin', MetadataDirective: 'REPLACE', Metadata: { ...floeKeys(4), 'file-owner': '4444' } }));
      const third = await ingestOnce(await open('s3://from-read', true), journal, options);
      expect(third.counters).toMatchObject({ FilesTransferred: 3, FilesSkipped: files - 3 });
      expect(third.files.filter((f) => f.category === 'transferred').map((f) => f.path.toString()).sort()).toEqual(['long-link', 'obj-2.bin', 'obj-4.bin']);
      expect((await journal.getFile(b('obj-2.bin')))?.sha256.toString('hex')).toBe(sha256(body(2, 7 * KIB)));
      expect(await journal.getFile(b('obj-4.bin'))).toMatchObject({ uid: 4444, gid: 2004, mode: 0o4755 });
    } finally {
      await cleanup();
    }
  }, 120_000);

  it('reads an object replaced between the listing and its GET again, and stores it as it is after', async () => {
    await server.createBucket('replaced');
    await put('replaced', 'changed-once.bin', body(1, 8 * KIB), floeKeys(1));
    await put('replaced', 'steady.bin', body(2, 8 * KIB), floeKeys(2));
    const source = await open('s3://replaced', true);
    let replaced = false;
    const counts = countCommands(source.client, async (command, input) => {
      if (command !== 'GetObjectCommand' || input.Key !== 'changed-once.bin' || replaced) return;
      replaced = true;
      await put('replaced', 'changed-once.bin', body(3, 9 * KIB), { ...floeKeys(1), 'file-owner': '31337' });
    });
    const { journal, cleanup } = await newJournal();
    try {
      const run = await ingestOnce(source, journal, { VerifyMode: 'NONE' });
      expect(run.counters).toMatchObject({ FilesTransferred: 2, FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0 } });
      expect(await journal.getFile(b('changed-once.bin'))).toMatchObject({ size: 9 * KIB, uid: 31337 });
      expect((await journal.getFile(b('changed-once.bin')))?.sha256.toString('hex')).toBe(sha256(body(3, 9 * KIB)));
      // The listed ETag's GET (412), the stat of what it is now, its GET; steady.bin's one GET.
      expect([counts.get('GetObjectCommand'), counts.get('HeadObjectCommand')]).toEqual([3, 1]);
    } finally {
      await cleanup();
    }
  }, 60_000);

  it('passes both verify modes', async () => {
    for (const VerifyMode of ['POINT_IN_TIME_CONSISTENT', 'ONLY_FILES_TRANSFERRED']) {
      const { journal, cleanup } = await newJournal();
      try {
        const run = await ingestOnce(await open('s3://from-read', true), journal, { VerifyMode, PreserveDevices: 'PRESERVE' });
        expect(run.result.error, VerifyMode).toBeUndefined();
        expect(run.counters, VerifyMode).toMatchObject({ FilesTransferred: SMALL_OBJECTS + 6, FilesVerified: SMALL_OBJECTS + 6, FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0 } });
      } finally {
        await cleanup();
      }
    }
  }, 120_000);
});
