// A task whose source is an S3 bucket (issue 23, "S3 as a source"), end to end and round trip: a
// local tree with modes, owners, nanosecond and pre-1970 times, symlinks, a FIFO and empty folders
// is ingested and imported into Ceph RGW with floe's S3 destination; a task on a provisioned
// device then ingests s3://bucket/share into its journal, and every entry carries the metadata
// the first journal recorded (and the import wrote into the objects' user metadata).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileEntry } from '../../appliance/journal/file-entry.js';
import { Device } from '../../appliance/lifecycle/device.js';
import { TaskService } from '../../appliance/tasks/task-service.js';
import type { RgwServer } from '../harness/rgw.js';
import { importTree, s3SourceOptions, sharedRgw, stopSharedRgw, type ImportedTree } from '../sources/s3-fixture.js';
import { provisionDevice, type ProvisionedDevice } from '../support/daemon-process.js';
import { writeSeededFile } from './ingest-fixtures.js';

const MIB = 1 << 20;

/** GNU touch sets nanoseconds and times before 1970, which node's utimes cannot (TOOLCHAIN.md). */
function touch(file: string, when: string): void {
  execFileSync('touch', ['-h', '-d', `${when} UTC`, file]);
}

function makeTree(root: string): void {
  const p = (...parts: string[]): string => path.join(root, ...parts);
  fs.mkdirSync(p('docs', 'deep'), { recursive: true });
  fs.mkdirSync(p('empty-folder'));
  for (let i = 0; i < 30; i++) fs.writeFileSync(p(i % 2 === 0 ? 'docs' : 'docs/deep', `note-${i}.txt`), `note ${i}\n`.repeat(i + 1));
  writeSeededFile(p('large.bin'), 19 * MIB + 4321, 7); // three 8 MiB ranged GETs
  fs.writeFileSync(p('empty.txt'), '');
  fs.writeFileSync(p('old.txt'), 'from before 1970\n');
  fs.writeFileSync(p('setuid.sh'), '#!/bin/sh\n');
  fs.chmodSync(p('setuid.sh'), 0o4755);
  fs.mkdirSync(p('shared'));
  fs.chmodSync(p('shared'), 0o1777);
  fs.writeFileSync(p('shared', 'theirs.txt'), 'owned by 1234:5678\n');
  fs.chownSync(p('shared', 'theirs.txt'), 1234, 5678);
  fs.chmodSync(p('shared', 'theirs.txt'), 0o640);
  fs.chownSync(p('docs', 'deep'), 2000, 3000);
  fs.symlinkSync('docs/note-0.txt', p('link-to-note'));
  fs.symlinkSync('no/such/target', p('dangling'));
  execFileSync('mkfifo', [p('fifo')]);
  touch(p('docs', 'note-0.txt'), '2021-03-04 05:06:07.123456789');
  touch(p('old.txt'), '1960-01-01 00:00:00.987654321');
  touch(p('link-to-note'), '2019-01-01 00:00:00.000000001');
  touch(p('docs', 'deep'), '2020-02-02 02:02:02.020202020');
}

/** What a journal entry says, minus what S3 cannot carry back (ctime, file identity, link counts, device numbers). */
function portable(entry: FileEntry, stripPrefix = ''): Record<string, unknown> {
  return {
    path: entry.path.toString('utf8').slice(stripPrefix.length),
    type: entry.type,
    mode: entry.mode,
    uid: entry.uid,
    gid: entry.gid,
    size: entry.size,
    mtimeNs: entry.mtimeNs,
    atimeNs: entry.atimeNs,
    sha256: entry.sha256.toString('hex'),
    target: entry.target?.toString('utf8'),
  };
}

describe('ingest: a task with an s3:// source', () => {
  let server: RgwServer;
  let dev: ProvisionedDevice;
  let device: Device;
  let service: TaskService;
  let first: ImportedTree;

  beforeAll(async () => {
    server = await sharedRgw();
    await server.createBucket('round-trip');
    dev = await provisionDevice(undefined, 'floe-s3-ingest-');
    const tree = path.join(dev.root, 'share');
    makeTree(tree);
    first = await importTree(server, tree, 'round-trip', 'share');
    expect(first.imported.status).toBe('SUCCESS');
    device = await Device.load(dev.dataDir);
    await device.unlock(await readFile(dev.manifestPath), dev.code);
    // Credentials as the daemon holds them (the SDK's chain in production): never in the task.
    service = new TaskService({ device, sourceOptions: { s3: { credentials: s3SourceOptions(server).credentials } }, scheduleCheckMs: 0 });
    device.setExecutionControl(service);
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await device?.close();
    await dev?.cleanup();
    await stopSharedRgw();
  });

  it('ingests s3://bucket/share into the journal with the POSIX metadata floe\'s import wrote, verified, and a CHANGED re-run skips everything', async () => {
    const uri = `s3://round-trip/share?endpoint=${server.endpoint}&forcePathStyle=true`;
    const task = await service.createTask({ Name: 'from-s3', SourceLocationUri: uri, Options: { PreserveDevices: 'PRESERVE', LogLevel: 'TRANSFER' } });
    expect(task.SourceLocationUri).toBe(uri);
    expect(JSON.stringify(await service.describeTask(task.TaskId))).not.toContain(server.secretAccessKey);

    const started = await service.startExecution(task.TaskId);
    const done = await service.waitExecution(started.TaskExecutionId);
    const nonDirs = first.entries.filter((e) => e.type !== 'directory').length;
    const bytes = first.entries.reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0);
    expect(done).toMatchObject({
      Status: 'SUCCESS',
      FilesTransferred: nonDirs,
      FilesVerified: nonDirs,
      FilesSkipped: 0,
      BytesWritten: bytes,
      FilesFailed: { Prepare: 0, Transfer: 0, Verify: 0 },
      Result: { PrepareStatus: 'SUCCESS', TransferStatus: 'SUCCESS', VerifyStatus: 'SUCCESS' },
    });

    const ingested: FileEntry[] = [];
    for await (const entry of device.journal().files()) ingested.push(entry);
    // The root folder: the first journal's 'share' entry, the 'share/' object, is the S3 root.
    const expected = first.entries.filter((e) => e.path.length > 'share'.length).map((e) => portable(e, 'share/'));
    expect(expected).toHaveLength(30 + 12); // the notes; the other files, links, fifo and folders
    const byPath = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.path).localeCompare(String(b.path));
    expect(ingested.map((e) => portable(e)).sort(byPath)).toEqual(expected.sort(byPath));
    const old = ingested.find((e) => e.path.toString() === 'old.txt')!;
    expect(old.mtimeNs).toBe(-315_619_199_012_345_679n); // 1960-01-01 00:00:00.987654321 UTC
    const note = ingested.find((e) => e.path.toString() === 'docs/note-0.txt')!;
    expect(note.mtimeNs % 1_000_000_000n).toBe(123_456_789n);
    expect(ingested.find((e) => e.path.toString() === 'fifo')?.type).toBe('fifo');
    expect(ingested.find((e) => e.path.toString() === 'dangling')?.target?.toString()).toBe('no/such/target');
    expect(ingested.find((e) => e.path.toString() === 'docs/deep')).toMatchObject({ type: 'directory', uid: 2000, gid: 3000, mtimeNs: 1_580_608_922_020_202_020n });

    const again = await service.waitExecution((await service.startExecution(task.TaskId)).TaskExecutionId);
    expect(again).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 0, FilesSkipped: nonDirs, BytesWritten: 0 });
  }, 120_000);

  it('refuses a task whose s3:// URI carries credentials, without storing or echoing them', async () => {
    for (const uri of ['s3://AKIDEXAMPLE:sekrit-value@round-trip/share', `s3://round-trip/share?endpoint=${server.endpoint}&secretAccessKey=sekrit-value`]) {
      const err = (await service.createTask({ Name: 'leaky', SourceLocationUri: uri }).catch((e: unknown) => e)) as Error & { code: string };
      expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^invalid S3 source URI: .*credentials are never part of the URI/) });
      expect(err.message).not.toContain('sekrit');
    }
    expect((await service.listTasks()).map((t) => t.Name)).not.toContain('leaky');
  });
});
