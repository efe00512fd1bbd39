// Agentless copies (issue 23, item 6; docs/copy.md): a task with a DestinationLocationUri copies
// its source straight into the destination through the transfer engine, no journal between for the
// data. file:// -> s3:// (Ceph RGW) and back s3:// -> file://, bytes and POSIX metadata compared
// with the original tree by an independent walk; a CHANGED re-run sends nothing; a file or an
// object changed while copied is reported SOURCE_CHANGED and not delivered; bad destinations fail
// with their code and message; the journal gets records, never file entries.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTimeNs } from '../../appliance/destinations/posix-metadata.js';
import { Device } from '../../appliance/lifecycle/device.js';
import { openSource } from '../../appliance/sources/open-source.js';
import type { Source, SourceEntry } from '../../appliance/sources/source.js';
import { createFilter } from '../../appliance/tasks/filters.js';
import { parseOptions } from '../../appliance/tasks/options.js';
import { TaskService } from '../../appliance/tasks/task-service.js';
import { openCopyDestination, runCopy } from '../../appliance/transfer/copy-run.js';
import type { RgwServer } from '../harness/rgw.js';
import { adminClient } from '../harness/s3-admin.js';
import { newJournal, writeSeededFile } from '../ingest/ingest-fixtures.js';
import { s3SourceOptions, sharedRgw, stopSharedRgw } from '../sources/s3-fixture.js';
import { provisionDevice, type ProvisionedDevice } from '../support/daemon-process.js';
import { listS3Keys, readS3Object, s3Credentials } from './transfer-fixtures.js';

const MIB = 1 << 20;

function touch(file: string, when: string): void {
  execFileSync('touch', ['-h', '-d', `${when} UTC`, file]);
}

function makeTree(root: string): void {
  const p = (...parts: string[]): string => path.join(root, ...parts);
  fs.mkdirSync(p('docs', 'deep'), { recursive: true });
  fs.mkdirSync(p('empty-folder'));
  for (let i = 0; i < 12; i++) fs.writeFileSync(p(i % 2 === 0 ? 'docs' : 'docs/deep', `note-${i}.txt`), `note ${i}\n`.repeat(i + 1));
  writeSeededFile(p('large.bin'), 19 * MIB + 4321, 7); // multipart into S3, three ranged GETs back
  fs.writeFileSync(p('empty.txt'), '');
  fs.writeFileSync(p('setuid.sh'), '#!/bin/sh\n');
  fs.chmodSync(p('setuid.sh'), 0o4755);
  fs.writeFileSync(p('docs', 'theirs.txt'), 'owned by 1234:5678\n');
  fs.chownSync(p('docs', 'theirs.txt'), 1234, 5678);
  fs.chmodSync(p('docs', 'theirs.txt'), 0o640);
  fs.chownSync(p('docs', 'deep'), 2000, 3000);
  fs.symlinkSync('docs/note-0.txt', p('link-to-note'));
  touch(p('docs', 'note-0.txt'), '2021-03-04 05:06:07.123456789');
  touch(p('empty.txt'), '1960-01-01 00:00:00.987654321');
  touch(p('docs', 'deep'), '2020-02-02 02:02:02.020202020');
}

interface Walked {
  readonly type: 'file' | 'directory' | 'symlink';
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtimeNs: bigint;
  readonly size: number;
  readonly sha256?: string;
  readonly target?: string;
}

/** An independent walk of a folder (node:fs only), by relative path. */
function walk(root: string, rel = ''): Map<string, Walked> {
  const out = new Map<string, Walked>();
  for (const name of fs.readdirSync(path.join(root, rel))) {
    const r = rel === '' ? name : `${rel}/${name}`;
    const full = path.join(root, r);
    const st = fs.lstatSync(full, { bigint: true });
    const type = st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'file';
    out.set(r, {
      type,
      mode: Number(st.mode),
      uid: Number(st.uid),
      gid: Number(st.gid),
      mtimeNs: st.mtimeNs,
      size: type === 'file' ? Number(st.size) : 0,
      ...(type === 'file' ? { sha256: createHash('sha256').update(fs.readFileSync(full)).digest('hex') } : {}),
      ...(type === 'symlink' ? { target: fs.readlinkSync(full) } : {}),
    });
    if (type === 'directory') for (const [k, v] of walk(root, r)) out.set(k, v);
  }
  return out;
}

async function journalFiles(device: Device): Promise<number> {
  let n = 0;
  for await (const _ of device.journal().files()) n++;
  return n;
}

describe('agentless copy: a task with a DestinationLocationUri', () => {
  let server: RgwServer;
  let dev: ProvisionedDevice;
  let device: Device;
  let service: TaskService;
  let tree: string;
  let original: Map<string, Walked>;

  beforeAll(async () => {
    server = await sharedRgw();
    await server.createBucket('copies');
    dev = await provisionDevice(undefined, 'floe-copy-');
    tree = path.join(dev.root, 'share');
    makeTree(tree);
    original = walk(tree);
    device = await Device.load(dev.dataDir);
    await device.unlock(await readFile(dev.manifestPath), dev.code);
    // Credentials as the daemon holds them (the SDK's chain in production): never in the task.
    const credentials = s3Credentials(server);
    service = new TaskService({ device, sourceOptions: { s3: { credentials } }, destinationOptions: { credentials }, scheduleCheckMs: 0 });
    device.setExecutionControl(service);
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await device?.close();
    await dev?.cleanup();
    await stopSharedRgw();
  });

  const s3Uri = (bucketAndPrefix: string): string => `s3://${bucketAndPrefix}?endpoint=${server.endpoint}&forcePathStyle=true`;

  it('file:// -> s3://: objects with the bytes and the POSIX metadata of the tree, verified; a CHANGED re-run transfers nothing; no file entry in the journal', async () => {
    const task = await service.createTask({
      Name: 'to-s3',
      SourceLocationUri: pathToFileURL(tree).href,
      DestinationLocationUri: s3Uri('copies/share'),
      Options: { VerifyMode: 'POINT_IN_TIME_CONSISTENT', LogLevel: 'TRANSFER' },
    });
    expect(task.DestinationLocationUri).toBe(s3Uri('copies/share'));
    expect(JSON.stringify(task)).not.toContain(server.secretAccessKey);
    const before = await journalFiles(device);

    const started = await service.startExecution(task.TaskId);
    const done = await service.waitExecution(started.TaskExecutionId);
    const bytes = [...original.values()].reduce((n, e) => n + e.size, 0);
    expect(done).toMatchObject({
      Status: 'SUCCESS',
      FilesListed: { AtSource: original.size, AtDestinationForDelete: original.size },
      FilesTransferred: original.size,
      FilesVerified: original.size,
      FilesSkipped: 0,
      BytesWritten: bytes,
      FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0 },
      Result: { PrepareStatus: 'SUCCESS', TransferStatus: 'SUCCESS', VerifyStatus: 'SUCCESS' },
    });

    // The objects, read with a plain SDK client: bytes and DataSync's metadata keys.
    const keys = await listS3Keys(server, 'copies', 'share/');
    expect(keys).toEqual([...original.entries()].map(([p, e]) => `share/${p}${e.type === 'directory' ? '/' : ''}`).sort());
    for (const [p, e] of original) {
      const seen = await readS3Object(server, 'copies', `share/${p}${e.type === 'directory' ? '/' : ''}`);
      expect(seen, p).not.toBeNull();
      if (e.type === 'file') expect(seen!.sha256, p).toBe(e.sha256);
      if (e.type === 'symlink') expect(seen!.sha256, p).toBe(createHash('sha256').update(e.target!).digest('hex'));
      expect(seen!.metadata['file-permissions'], p).toBe(`0${e.mode.toString(8)}`);
      expect(seen!.metadata['file-owner'], p).toBe(String(e.uid));
      expect(seen!.metadata['file-group'], p).toBe(String(e.gid));
      if (e.type !== 'symlink') expect(parseTimeNs(seen!.metadata['file-mtime']), p).toBe(e.mtimeNs);
    }

    // The report: one line per file with the SHA-256 computed while sending, then the summary.
    const lines = service.executionReport(started.TaskExecutionId).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const large = lines.find((l) => l.path === 'large.bin' && l.category === 'transferred');
    expect(large?.sha256).toBe(original.get('large.bin')!.sha256);
    expect(lines.at(-1)).toHaveProperty('summary');

    // The copy's report in the import's four files, from the journal: a line per delivered file.
    const report = await service.copyReport(started.TaskExecutionId);
    const success = report['success-log.csv'].trimEnd().split('\r\n');
    expect(success[0]).toBe('destination,path,key,size,sha256,etag,transfer,execution_id,delivered_at');
    expect(success).toHaveLength(1 + original.size);
    expect(success.find((l) => l.split(',')[2] === 'large.bin'), success.slice(0, 3).join('\n')).toContain(`,${original.get('large.bin')!.sha256},`);
    expect(success.slice(1).every((l) => l.includes(`,copy,${started.TaskExecutionId},`))).toBe(true);
    expect(report['failure-log.csv']).toBe('destination,path,key,size,sha256,phase,error_code,message\r\n');
    expect(JSON.parse(report['summary.json'])).toMatchObject({ kind: 'copy-report', executionId: started.TaskExecutionId, taskId: task.TaskId, status: 'Completed', filesFailed: 0, verifyMode: 'POINT_IN_TIME_CONSISTENT' });
    expect(report['summary.txt'].split('\n')[0]).toBe(`Copy ${started.TaskExecutionId} (task ${task.Name}, ${task.TaskId}): Completed`);

    // The journal holds the copy's records, not its data.
    expect(await journalFiles(device)).toBe(before);

    const again = await service.waitExecution((await service.startExecution(task.TaskId)).TaskExecutionId);
    expect(again).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 0, FilesSkipped: original.size, BytesWritten: 0, FilesVerified: original.size });
  }, 180_000);

  it('s3:// -> file://: the folder equals the original tree (bytes, types, modes, owners, mtimes in ns, link targets)', async () => {
    const into = path.join(dev.root, 'back');
    fs.mkdirSync(into);
    const task = await service.createTask({ Name: 'from-s3', SourceLocationUri: s3Uri('copies/share'), DestinationLocationUri: pathToFileURL(into).href });
    const done = await service.waitExecution((await service.startExecution(task.TaskId)).TaskExecutionId);
    expect(done).toMatchObject({ Status: 'SUCCESS', FilesTransferred: original.size, FilesVerified: original.size, FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0 } });
    const copied = walk(into);
    expect([...copied.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [p, e] of original) {
      const c = copied.get(p)!;
      // A symlink's own mode is not kept by Linux (always 0777), nor its mtime by S3's symlink object.
      if (e.type === 'symlink') expect({ type: c.type, target: c.target, uid: c.uid, gid: c.gid }, p).toEqual({ type: e.type, target: e.target, uid: e.uid, gid: e.gid });
      else expect(c, p).toEqual(e);
    }
  }, 180_000);

  it('a destination that cannot be written fails the execution with its code and message', async () => {
    const missing = await service.createTask({ Name: 'no-bucket', SourceLocationUri: pathToFileURL(tree).href, DestinationLocationUri: s3Uri('no-such-bucket/x') });
    const a = await service.waitExecution((await service.startExecution(missing.TaskId)).TaskExecutionId);
    expect(a.Status).toBe('ERROR');
    expect(a.Result.ErrorCode).toBe('DESTINATION_UNREACHABLE');
    expect(a.Result.ErrorDetail).toMatch(/bucket "no-such-bucket" does not exist/u);
    await expect(service.copyReport(a.TaskExecutionId)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const aFile = path.join(dev.root, 'not-a-folder');
    fs.writeFileSync(aFile, 'x');
    const notFolder = await service.createTask({ Name: 'not-folder', SourceLocationUri: pathToFileURL(tree).href, DestinationLocationUri: pathToFileURL(aFile).href });
    const b = await service.waitExecution((await service.startExecution(notFolder.TaskId)).TaskExecutionId);
    expect(b.Status).toBe('ERROR');
    expect(b.Result.ErrorCode).toBe('DESTINATION_UNREACHABLE');
    expect(b.Result.ErrorDetail).toMatch(/is not a folder/u);

    await expect(service.createTask({ Name: 'secret', SourceLocationUri: pathToFileURL(tree).href, DestinationLocationUri: 's3://copies/x?secretAccessKey=abc' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(service.createTask({ Name: 'both', SourceLocationUri: pathToFileURL(tree).href, DestinationLocationUri: s3Uri('copies/y'), DestinationPath: 'in-journal' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { field: 'DestinationPath' },
    });
  }, 120_000);
});

/** The source, with `during` run once when `name` has yielded its first piece. */
function interceptRead(source: Source, name: string, during: () => Promise<void>): Source {
  let fired = false;
  return {
    uri: source.uri,
    preferredReadSize: source.preferredReadSize,
    stat: (p, o) => source.stat(p, o),
    list: (p, o) => source.list(p, o),
    readlink: (p, o) => source.readlink(p, o),
    close: () => source.close(),
    async *read(entry: SourceEntry, offset?: number, options?) {
      for await (const piece of source.read(entry, offset, options)) {
        yield piece;
        if (!fired && entry.path.toString() === name) {
          fired = true;
          await during();
        }
      }
    },
  };
}

describe('agentless copy: a source that changes while it is copied', () => {
  let server: RgwServer;

  beforeAll(async () => {
    server = await sharedRgw();
    await server.createBucket('changing');
  }, 120_000);

  async function copyOnce(source: Source, destinationUri: string) {
    const { journal, cleanup } = await newJournal();
    const destination = await openCopyDestination(destinationUri, { credentials: s3Credentials(server) });
    try {
      const result = await runCopy({ source, destination, journal, executionId: 'exec-changing', options: parseOptions({ VerifyMode: 'ONLY_FILES_TRANSFERRED' }), filter: createFilter({}) });
      let files = 0;
      for await (const _ of journal.files()) files++;
      return { result, files };
    } finally {
      await destination.destination.close();
      await source.close();
      await cleanup();
    }
  }

  it('a file appended to while read: SOURCE_CHANGED, not delivered, the others are', async () => {
    const t = fs.mkdtempSync(path.join(tmpdir(), 'floe-copy-changing-'));
    try {
      const root = path.join(t, 'src');
      fs.mkdirSync(root);
      writeSeededFile(path.join(root, 'grows.bin'), 3 * MIB, 3);
      fs.writeFileSync(path.join(root, 'steady.txt'), 'steady\n');
      const into = path.join(t, 'dst');
      fs.mkdirSync(into);
      const source = interceptRead(await openSource(pathToFileURL(root).href), 'grows.bin', () => appendFile(path.join(root, 'grows.bin'), 'more'));
      const { result, files } = await copyOnce(source, pathToFileURL(into).href);
      expect(result.status).toBe('ERROR');
      expect(result.counters).toMatchObject({ FilesTransferred: 1, FilesFailed: { Transfer: 1 } });
      expect(result.failures.map((f) => [f.path, f.phase, f.code])).toEqual([['grows.bin', 'transfer', 'SOURCE_CHANGED']]);
      expect(result.failures[0]!.message).toMatch(/changed while it was copied/u);
      expect(fs.readdirSync(into).sort()).toEqual(['steady.txt']);
      expect(files).toBe(0);
    } finally {
      fs.rmSync(t, { recursive: true, force: true });
    }
  }, 120_000);

  it('an object replaced while read (If-Match): SOURCE_CHANGED, not delivered', async () => {
    const admin = adminClient(server);
    const t = fs.mkdtempSync(path.join(tmpdir(), 'floe-copy-changing-'));
    try {
      const body = Buffer.alloc(4 * MIB, 1);
      await admin.send(new PutObjectCommand({ Bucket: 'changing', Key: 'src/replaced.bin', Body: body }));
      await admin.send(new PutObjectCommand({ Bucket: 'changing', Key: 'src/steady.txt', Body: 'steady\n' }));
      const s3 = await openSource(`s3://changing/src?endpoint=${server.endpoint}&forcePathStyle=true`, { s3: s3SourceOptions(server, { partSize: MIB, readDepth: 1 }) });
      const source = interceptRead(s3, 'replaced.bin', async () => void (await admin.send(new PutObjectCommand({ Bucket: 'changing', Key: 'src/replaced.bin', Body: Buffer.alloc(4 * MIB, 2) }))));
      const into = path.join(t, 'dst');
      fs.mkdirSync(into);
      const { result } = await copyOnce(source, pathToFileURL(into).href);
      expect(result.failures.map((f) => [f.path, f.code])).toEqual([['replaced.bin', 'SOURCE_CHANGED']]);
      expect(result.counters.FilesTransferred).toBe(1);
      expect(fs.readdirSync(into).sort()).toEqual(['steady.txt']);
    } finally {
      admin.destroy();
      fs.rmSync(t, { recursive: true, force: true });
    }
  }, 120_000);
});
