// The S3 source against a real Ceph RGW (TOOLCHAIN.md, "A real S3"): the conformance suite over a
// tree floe itself put into the bucket (ingest, then import with the S3 destination); then the key
// space as folders, defaults for objects floe did not write, ranged reads, an object replaced during
// an ingest, and bad input.
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSource } from '../../appliance/sources/open-source.js';
import { listFolder } from '../../appliance/sources/s3/s3-listing.js';
import { openS3Source, type S3Source } from '../../appliance/sources/s3/s3-source.js';
import type { Source, SourceEntry } from '../../appliance/sources/source.js';
import { freePort } from '../harness/free-port.js';
import type { RgwServer } from '../harness/rgw.js';
import { adminClient } from '../harness/s3-admin.js';
import { ingestOnce, newJournal } from '../ingest/ingest-fixtures.js';
import { rejectionOf } from '../support/error-of.js';
import { describeSource } from './describe-source.js';
import { importTree, s3SourceOptions, sharedRgw, stopSharedRgw } from './s3-fixture.js';
import { sha256 } from './source-fixture.js';

afterAll(stopSharedRgw);

describeSource(
  's3 (Ceph RGW)',
  async (exportDir) => {
    const server = await sharedRgw();
    await server.createBucket('conformance');
    await importTree(server, exportDir, 'conformance', 'tree');
    // Small parts, so the suite's 3 MiB file is read by several ranged GETs.
    const source = await openSource('s3://conformance/tree', { s3: s3SourceOptions(server, { partSize: 1024 * 1024 }) });
    return { source, fsId: 'opaque', close: () => source.close() };
  },
  {
    lacks: {
      hardLinks: 'each name of a hard-linked file is an object of its own (as DataSync writes them)',
      inodeNumbers: 'an object has no inode; fileId is a hash of its key and ETag',
      ctime: 'S3 keeps no change time; ctime is the object\'s Last-Modified',
      nonUtf8Names: 'S3 keys are UTF-8: the import refuses the non-UTF-8 name',
    },
  },
);

const b = (text: string): Buffer => Buffer.from(text);
const MIB = 1024 * 1024;

/** Drops the client's resolved middleware stacks (cacheMiddleware), so a middleware added now takes effect. */
function forgetResolvedHandlers(client: S3Client): void {
  delete (client as unknown as { handlers?: unknown }).handlers;
}

/** Runs `before` ahead of every command the client sends, with the command's name and input. */
function beforeEachCommand(client: S3Client, before: (command: string, input: Record<string, unknown>) => void | Promise<void>, after?: () => void): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      await before(context.commandName ?? '?', args.input as Record<string, unknown>);
      try {
        return await next(args);
      } finally {
        after?.();
      }
    },
    { step: 'initialize', name: `floeTest${Math.random().toString(36).slice(2)}` },
  );
  forgetResolvedHandlers(client);
}

async function readAll(source: Source, entry: SourceEntry, offset = 0): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of source.read(entry, offset)) pieces.push(Buffer.from(piece));
  return Buffer.concat(pieces);
}

async function names(source: Source, dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of source.list(b(dir))) out.push(`${entry.name.toString()}:${entry.type}`);
  return out.sort();
}

describe('s3 source against Ceph RGW', () => {
  let server: RgwServer;
  let admin: S3Client;
  const opened: S3Source[] = [];
  const open = async (uri: string, extra: Parameters<typeof s3SourceOptions>[1] = {}): Promise<S3Source> => {
    const source = await openS3Source(uri, s3SourceOptions(server, extra));
    opened.push(source);
    return source;
  };
  const put = (bucket: string, key: string, body: Buffer | string, metadata?: Record<string, string>) =>
    admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(body), ...(metadata === undefined ? {} : { Metadata: metadata }) }));

  beforeAll(async () => {
    server = await sharedRgw();
    admin = adminClient(server);
    await server.createBucket('plain');
    await server.createBucket('reads');
  });
  afterAll(async () => {
    for (const source of opened) await source.close();
    admin?.destroy();
  });

  it('maps the flat key space to folders: key/ objects and CommonPrefixes are folders, objects without floe\'s keys get the defaults, floe\'s keys are read back', async () => {
    await put('plain', 'a.txt', 'hello\n');
    await put('plain', 'marked/', '');
    await put('plain', 'implicit/deep/x.bin', 'x');
    await put('plain', 'meta.bin', 'with metadata', { 'file-permissions': '0104750', 'file-owner': '42', 'file-group': '43', 'file-mtime': '-86400000000001ns', 'file-atime': '1700000000123456789ns' });
    await put('plain', 'link', '../a.txt', { 'file-permissions': '0120777', 'file-owner': '7', 'file-group': '8', 'file-mtime': '1600000000000000001ns', 'file-atime': '1600000000000000002ns' });
    await put('plain', 'café/naïve.txt', 'utf-8 names\n');
    await put('plain', 'weird//name', 'a key with an empty component');
    const source = await open('s3://plain');

    expect(await names(source, '')).toEqual(['a.txt:file', 'café:directory', 'implicit:directory', 'link:symlink', 'marked:directory', 'meta.bin:file', 'weird:directory']);
    expect(await names(source, 'implicit')).toEqual(['deep:directory']);
    expect(await names(source, 'marked')).toEqual([]);
    expect(await names(source, 'weird')).toEqual([]); // 'weird//name' has an empty component: no place in a tree
    expect(await names(source, 'café')).toEqual(['naïve.txt:file']);

    const head = await admin.send(new HeadObjectCommand({ Bucket: 'plain', Key: 'a.txt' }));
    const lastModifiedNs = BigInt(Math.floor(head.LastModified!.getTime() / 1000)) * 1_000_000_000n;
    const plain = await source.stat(b('a.txt'));
    expect(plain).toMatchObject({ type: 'file', mode: 0o644, uid: 65534, gid: 65534, size: 6, mtimeNs: lastModifiedNs, atimeNs: lastModifiedNs, ctimeNs: lastModifiedNs, nlink: 1 });
    expect((await readAll(source, plain)).toString()).toBe('hello\n');
    expect(await source.stat(b('marked'))).toMatchObject({ type: 'directory', mode: 0o755, uid: 65534, gid: 65534, size: 0 });
    for (const folder of ['implicit', 'implicit/deep']) {
      expect(await source.stat(b(folder))).toMatchObject({ type: 'directory', mode: 0o755, uid: 65534, gid: 65534, mtimeNs: 0n });
    }
    expect(await source.stat(b('meta.bin'))).toMatchObject({ type: 'file', mode: 0o4750, uid: 42, gid: 43, size: 13, mtimeNs: -86_400_000_000_001n, atimeNs: 1_700_000_000_123_456_789n });
    const link = await source.stat(b('link'));
    expect(link).toMatchObject({ type: 'symlink', mode: 0o777, uid: 7, gid: 8, size: 8, mtimeNs: 1_600_000_000_000_000_001n });
    expect(link.target?.toString()).toBe('../a.txt');
    expect((await source.readlink(b('link'))).equals(b('../a.txt'))).toBe(true);
    const utf8 = await source.stat(b('café/naïve.txt'));
    expect(utf8.path.equals(Buffer.from('café/naïve.txt', 'utf8'))).toBe(true);
    // One fsId for the bucket; every object its own fileId.
    expect(new Set([plain, link, utf8].map((e) => e.fsId)).size).toBe(1);
    expect(new Set([plain, link, utf8].map((e) => e.fileId)).size).toBe(3);

    // A sub-prefix as the root: its folder object is the root's metadata.
    await put('plain', 'sub/', '', { 'file-permissions': '041770', 'file-owner': '5', 'file-group': '6', 'file-mtime': '1500000000000000000ns', 'file-atime': '1500000000000000000ns' });
    await put('plain', 'sub/inner.txt', 'inner\n');
    const sub = await open('s3://plain/sub');
    expect(await sub.stat(Buffer.alloc(0))).toMatchObject({ type: 'directory', mode: 0o1770, uid: 5, gid: 6, mtimeNs: 1_500_000_000_000_000_000n });
    expect(await names(sub, '')).toEqual(['inner.txt:file']);
  });

  it('reads a large object by ranged GETs, several in flight, byte-identical (SHA-256) from the start and from an offset; a small one by one GET', async () => {
    const data = randomBytes(21 * MIB + 777);
    await put('reads', 'big.bin', data);
    await put('reads', 'small.bin', 'one GET\n');
    const source = await open('s3://reads');
    const gets: Array<{ range: unknown; ifMatch: unknown }> = [];
    let inFlight = 0;
    let maxInFlight = 0;
    beforeEachCommand(
      source.client,
      (command, input) => {
        if (command !== 'GetObjectCommand') return;
        gets.push({ range: input.Range, ifMatch: input.IfMatch });
        maxInFlight = Math.max(maxInFlight, ++inFlight);
      },
      () => void (inFlight = Math.max(0, inFlight - 1)),
    );
    const big = await source.stat(b('big.bin'));
    const etag = (await admin.send(new HeadObjectCommand({ Bucket: 'reads', Key: 'big.bin' }))).ETag;
    expect(sha256(await readAll(source, big))).toBe(sha256(data));
    // 8 MiB parts: three GETs, each conditioned on the ETag the stat saw.
    expect(gets).toEqual([
      { range: `bytes=0-${8 * MIB - 1}`, ifMatch: etag },
      { range: `bytes=${8 * MIB}-${16 * MIB - 1}`, ifMatch: etag },
      { range: `bytes=${16 * MIB}-${data.length - 1}`, ifMatch: etag },
    ]);
    expect(maxInFlight).toBeGreaterThan(1);
    for (const offset of [1, 8 * MIB - 1, 8 * MIB, 20 * MIB + 3, data.length - 1]) {
      expect(sha256(await readAll(source, big, offset)), `from ${offset}`).toBe(sha256(data.subarray(offset)));
    }
    gets.length = 0;
    const small = await source.stat(b('small.bin'));
    expect((await readAll(source, small)).toString()).toBe('one GET\n');
    expect(gets).toEqual([{ range: undefined, ifMatch: small && (await admin.send(new HeadObjectCommand({ Bucket: 'reads', Key: 'small.bin' }))).ETag }]);
  });

  it('reports an object overwritten during the ingest as changed (SOURCE_CHANGED, FilesFailed.Transfer 1, no entry); one overwritten once is read again and stored as it is after', async () => {
    await server.createBucket('changing');
    const large = randomBytes(10 * MIB + 5);
    await put('changing', 'keeps-changing.bin', large);
    await put('changing', 'changed-once.txt', 'first version\n');
    await put('changing', 'steady.txt', 'steady\n');
    const source = await open('s3://changing');
    // Each time the ingest asks for the second part of keeps-changing.bin, someone replaces the
    // object first; changed-once.txt is replaced before its first GET only.
    let versions = 0;
    let changedOnce = false;
    beforeEachCommand(source.client, async (command, input) => {
      if (command !== 'GetObjectCommand') return;
      if (input.Key === 'keeps-changing.bin' && typeof input.Range === 'string' && !input.Range.startsWith('bytes=0-')) {
        await put('changing', 'keeps-changing.bin', Buffer.concat([b(`version ${++versions}`), large]).subarray(0, large.length));
      }
      if (input.Key === 'changed-once.txt' && !changedOnce) {
        changedOnce = true;
        await put('changing', 'changed-once.txt', 'second version\n');
      }
    });
    const { journal, cleanup } = await newJournal();
    try {
      const run = await ingestOnce(source, journal, { VerifyMode: 'NONE', LogLevel: 'TRANSFER' });
      expect(run.counters).toMatchObject({ FilesTransferred: 2, FilesFailed: { Prepare: 0, Transfer: 1, Verify: 0 } });
      expect(run.result.error).toEqual({ code: 'SOURCE_CHANGED', detail: expect.stringContaining("'keeps-changing.bin' kept changing while it was read (3 attempts)") });
      expect(run.result.problems.kept).toEqual([expect.objectContaining({ path: 'keeps-changing.bin', phase: 'Transfer', outcome: 'failed', code: 'SOURCE_CHANGED' })]);
      expect(run.files.filter((f) => f.category === 'failed')).toEqual([expect.objectContaining({ errorCode: 'SOURCE_CHANGED' })]);
      expect(versions).toBe(3);
      expect(await journal.getFile(b('keeps-changing.bin'))).toBeUndefined();
      expect((await journal.getFile(b('changed-once.txt')))?.sha256.toString('hex')).toBe(sha256(b('second version\n')));
      expect((await journal.getFile(b('steady.txt')))?.sha256.toString('hex')).toBe(sha256(b('steady\n')));
    } finally {
      await cleanup();
    }
  });

  it('keeps a folder and names the object of the same name beside it as left out (SOURCE_NAME_INVALID), across page boundaries too; the ingest reports it and stores the rest', async () => {
    await server.createBucket('twins');
    // 'a' and 'a/...' : a file and a folder of one name; 'a-1' and 'a.2' sort between 'a' and 'a/'.
    for (const key of ['a', 'a-1', 'a.2', 'a/inner.txt', 'b', 'c/', 'c', 'c/x', 'z//y']) await put('twins', key, `body of ${key}\n`);
    const source = await open('s3://twins');
    const leftOut: string[] = [];
    const listed: string[] = [];
    for await (const entry of source.list(Buffer.alloc(0), { onLeftOut: (path, error) => leftOut.push(`${path.toString()} ${error.code}: ${error.message}`) })) {
      listed.push(`${entry.name.toString()}:${entry.type}`);
    }
    expect(listed.sort()).toEqual(['a-1:file', 'a.2:file', 'a:directory', 'b:file', 'c:directory', 'z:directory']);
    expect(leftOut.sort()).toEqual([
      "a SOURCE_NAME_INVALID: 'a': the object s3://twins/a has the name of the folder beside it (keys under 'a/'); a tree cannot hold both: the folder is kept, the object left out",
      "c SOURCE_NAME_INVALID: 'c': the object s3://twins/c has the name of the folder beside it (keys under 'c/'); a tree cannot hold both: the folder is kept, the object left out",
    ]);
    const inZ: string[] = [];
    expect(await names(source, 'z')).toEqual([]);
    for await (const entry of source.list(b('z'), { onLeftOut: (path, error) => inZ.push(`${JSON.stringify(path.toString())} ${error.code}`) })) inZ.push(entry.name.toString());
    expect(inZ).toEqual(['"z/" SOURCE_NAME_INVALID']);

    // One key a page: 'a' comes three pages before 'a/'; it is held until the listing is past it.
    const items: string[] = [];
    for await (const item of listFolder({ client: source.client, bucket: 'twins', prefix: '', pageSize: 1 }).items) items.push(`${item.kind} ${item.key}`);
    expect(items.sort()).toEqual(['folder a/', 'folder c/', 'folder z/', 'object a-1', 'object a.2', 'object b', 'shadowed a', 'shadowed c']);

    const { journal, cleanup } = await newJournal();
    try {
      const run = await ingestOnce(source, journal, { VerifyMode: 'NONE', LogLevel: 'TRANSFER' });
      expect(run.counters).toMatchObject({ FilesTransferred: 5, FilesFailed: { Prepare: 3, Transfer: 0, Verify: 0 } });
      expect(run.result.problems.kept.map((p) => `${p.path} ${p.phase} ${p.outcome} ${p.code}`).sort()).toEqual([
        'a Prepare failed SOURCE_NAME_INVALID',
        'c Prepare failed SOURCE_NAME_INVALID',
        'z/ Prepare failed SOURCE_NAME_INVALID',
      ]);
      expect(run.files.filter((f) => f.category === 'failed').map((f) => f.errorCode)).toEqual(['SOURCE_NAME_INVALID', 'SOURCE_NAME_INVALID', 'SOURCE_NAME_INVALID']);
      expect((await journal.getFile(b('a')))?.type).toBe('directory');
      expect((await journal.getFile(b('a/inner.txt')))?.sha256.toString('hex')).toBe(sha256(b('body of a/inner.txt\n')));
      expect((await journal.getFile(b('a-1')))?.sha256.toString('hex')).toBe(sha256(b('body of a-1\n')));
      expect((await journal.getFile(b('c')))?.type).toBe('directory');
      expect((await journal.getFile(b('c/x')))?.sha256.toString('hex')).toBe(sha256(b('body of c/x\n')));
    } finally {
      await cleanup();
    }
  });

  it('answers a missing file, folder or prefix with SOURCE_NOT_FOUND naming it', async () => {
    const source = await open('s3://plain');
    await expect(source.stat(b('no/such/file'))).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND', message: "'no/such/file': no such file or folder in s3://plain/" });
    await expect(openS3Source('s3://plain/no-such-prefix', s3SourceOptions(server))).rejects.toMatchObject({
      code: 'SOURCE_NOT_FOUND',
      message: "S3 source s3://plain/no-such-prefix: no folder 'no-such-prefix' (no object under 'no-such-prefix/')",
    });
  });

  it('refuses an unreachable endpoint, a missing bucket and wrong credentials with clear errors', async () => {
    const port = await freePort();
    const unreachable = await rejectionOf(openSource('s3://plain', { s3: { ...s3SourceOptions(server), endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 } }));
    expect([unreachable.code, unreachable.message]).toEqual(['SOURCE_UNREACHABLE', `open s3://plain: the endpoint does not answer (ECONNREFUSED from http://127.0.0.1:${port})`]);

    const missing = await rejectionOf(openSource('s3://no-such-bucket', { s3: s3SourceOptions(server) }));
    expect([missing.code, missing.message]).toEqual(['SOURCE_NOT_FOUND', `bucket "no-such-bucket" does not exist at ${server.endpoint} (open)`]);

    const wrongSecret = await rejectionOf(openSource('s3://plain', { s3: { ...s3SourceOptions(server), credentials: { accessKeyId: server.accessKeyId, secretAccessKey: 'not-the-secret' } } }));
    expect([wrongSecret.code, wrongSecret.message]).toEqual(['SOURCE_ACCESS_DENIED', 'open s3://plain: the endpoint refused the credentials (SignatureDoesNotMatch)']);
    const wrongKey = await rejectionOf(openSource('s3://plain', { s3: { ...s3SourceOptions(server), credentials: { accessKeyId: 'NOSUCHKEY', secretAccessKey: 'x' } } }));
    expect([wrongKey.code, wrongKey.message]).toEqual(['SOURCE_ACCESS_DENIED', 'open s3://plain: the endpoint refused the credentials (InvalidAccessKeyId)']);
  });

  it('takes endpoint and region from the URI, and refuses credentials in it without echoing them', async () => {
    const { credentials } = s3SourceOptions(server);
    const source = await openSource(`s3://plain?endpoint=${server.endpoint}&region=us-east-1`, { s3: { credentials } });
    try {
      expect(source.uri).toBe(`s3://plain?endpoint=${server.endpoint}&region=us-east-1`);
      expect((await source.stat(b('a.txt'))).size).toBe(6);
    } finally {
      await source.close();
    }
    for (const uri of ['s3://AKIDEXAMPLE:sekrit-value@plain/x', 's3://plain?secretAccessKey=sekrit-value', 's3://plain?accessKeyId=sekrit-value']) {
      const err = await rejectionOf(openSource(uri));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toMatch(/^invalid S3 source URI: .*credentials are never part of the URI/);
      expect(err.message).not.toContain('sekrit');
    }
    await expect(openSource('s3://plain?color=blue')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining("unknown parameter 'color'") });
    await expect(openSource('s3://Bad_Bucket')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('invalid bucket name') });
  });
});
