// Shared by the transfer tests: a provisioned device, a source folder written into its journal
// (a plain walk with Journal.writeFile, standing in for ingest), the trip to the facility, and an
// independent checker that reads the destination with the SDK or plain fs calls.
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { FileType } from '../../appliance/journal/file-entry.js';
import { Device } from '../../appliance/lifecycle/device.js';
import { provision } from '../../provisioning/provision.js';
import { seededBytes, tempDir } from '../journal/journal-fixtures.js';
import { adminClient, type S3Server } from '../harness/s3-admin.js';
import { FAST_SCRYPT, testJobSpec } from '../support/test-job.js';

export { FAST_SCRYPT };
export const MIB = 1024 * 1024;

export interface SourceFile {
  /** Path relative to the source root, '/'-separated. */
  readonly path: Buffer;
  readonly type: FileType;
  readonly size: number;
  readonly sha256: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtimeNs: bigint;
  readonly target?: Buffer;
}

export interface DatasetSpec {
  readonly small: number;
  /** Sizes of the large files. */
  readonly large: readonly number[];
  /** Adds a file whose name is not UTF-8 (S3 cannot take it). */
  readonly nonUtf8?: boolean;
  readonly prefix?: string;
}

/** Writes a source folder: nested folders, small files 1 B to 64 KiB, large files, an empty file, a symlink. */
export async function makeSourceFolder(root: string, spec: DatasetSpec): Promise<void> {
  const p = spec.prefix ?? 'share';
  await mkdir(join(root, p, 'docs', 'deep'), { recursive: true });
  for (let i = 0; i < spec.small; i++) {
    const dir = join(root, p, i % 3 === 0 ? 'docs' : i % 3 === 1 ? 'docs/deep' : '.');
    await writeFile(join(dir, `small-${i}.dat`), seededBytes(i + 1, 1 + ((i * 7919) % (64 * 1024))), { mode: 0o640 });
  }
  for (const [i, size] of spec.large.entries()) await writeFile(join(root, p, `large-${i}.bin`), seededBytes(1000 + i, size));
  await writeFile(join(root, p, 'empty.txt'), '');
  await symlink('docs/small-0.dat', join(root, p, 'link-to-small'));
  if (spec.nonUtf8) await writeFile(Buffer.from(join(root, p, 'caf\xe9.txt'), 'latin1'), 'latin-1 name\n');
}

/** Every file under `root` as the journal should record it, walked with lstat. */
export async function walkSource(root: string, rel: Buffer = Buffer.alloc(0)): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  const full = rel.length === 0 ? Buffer.from(root) : Buffer.concat([Buffer.from(root + '/'), rel]);
  for (const name of await readdir(full, { encoding: 'buffer' })) {
    const path = rel.length === 0 ? name : Buffer.concat([rel, Buffer.from('/'), name]);
    const abs = Buffer.concat([full, Buffer.from('/'), name]);
    const st = await lstat(abs, { bigint: true });
    const type: FileType = st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'file';
    const target = type === 'symlink' ? await readlink(abs, { encoding: 'buffer' }) : undefined;
    const content = type === 'file' ? await readFile(abs) : type === 'symlink' ? target! : Buffer.alloc(0);
    out.push({
      path,
      type,
      size: type === 'directory' ? 0 : content.length,
      sha256: createHash('sha256').update(type === 'file' ? content : Buffer.alloc(0)).digest('hex'),
      mode: Number(st.mode) & 0o7777,
      uid: Number(st.uid),
      gid: Number(st.gid),
      mtimeNs: st.mtimeNs,
      ...(target === undefined ? {} : { target }),
    });
    if (type === 'directory') out.push(...(await walkSource(root, path)));
  }
  return out;
}

/** Writes the walked files into the device's journal (what ingest does, without NFS). */
export async function ingestFolder(device: Device, root: string, files: readonly SourceFile[]): Promise<void> {
  const journal = device.journal();
  for (const f of files) {
    const abs = Buffer.concat([Buffer.from(root + '/'), f.path]);
    const st = await lstat(abs, { bigint: true });
    await journal.writeFile(
      {
        path: f.path,
        type: f.type,
        mode: f.mode,
        uid: f.uid,
        gid: f.gid,
        size: f.size,
        atimeNs: st.atimeNs,
        mtimeNs: st.mtimeNs,
        ctimeNs: st.ctimeNs,
        fsId: 1n,
        fileId: st.ino,
        nlink: Number(st.nlink),
        rdevMajor: 0,
        rdevMinor: 0,
        ...(f.target === undefined ? {} : { target: f.target }),
      },
      f.type === 'file' ? (createReadStream(abs) as AsyncIterable<Buffer>) : undefined,
    );
  }
}

export interface ProvisionedDevice {
  readonly dataDir: string;
  readonly manifest: Buffer;
  readonly code: string;
  readonly root: string;
  readonly cleanup: () => Promise<void>;
}

export async function provisionDevice(destinations: Array<Record<string, unknown>>): Promise<ProvisionedDevice> {
  const t = await tempDir('floe-transfer-');
  const dataDir = join(t.dir, 'data');
  const jobSpec = testJobSpec('transfer test', destinations);
  const p = await provision({ jobSpec, dataDir, outDir: join(t.dir, 'out'), scrypt: FAST_SCRYPT });
  return { dataDir, manifest: await readFile(p.manifestPath), code: p.unlockCode as string, root: t.dir, cleanup: t.cleanup };
}

/** Locks the device on site and unlocks it at the facility (a reload in between, like shipping). */
export async function shipToFacility(device: Device, p: ProvisionedDevice): Promise<Device> {
  await device.lock({});
  const arrived = await Device.load(p.dataDir);
  await arrived.unlock(p.manifest, p.code);
  return arrived;
}

/** An object as an independent reader sees it: bytes' SHA-256, size, user metadata. */
export interface SeenObject {
  readonly sha256: string;
  readonly size: number;
  readonly metadata: Record<string, string>;
}

export async function readS3Object(server: S3Server, bucket: string, key: string): Promise<SeenObject | null> {
  const client = adminClient(server);
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch(() => null);
    if (head === null) return null;
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const h = createHash('sha256');
    let size = 0;
    for await (const piece of got.Body as Readable) {
      h.update(piece as Buffer);
      size += (piece as Buffer).length;
    }
    return { sha256: h.digest('hex'), size, metadata: { ...(head.Metadata ?? {}) } };
  } finally {
    client.destroy();
  }
}

export async function listS3Keys(server: S3Server, bucket: string, prefix: string): Promise<string[]> {
  const client = adminClient(server);
  const keys: string[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  } finally {
    client.destroy();
  }
  return keys.sort();
}

export function octalMode(f: SourceFile): string {
  const bits = f.type === 'directory' ? 0o040000 : f.type === 'symlink' ? 0o120000 : 0o100000;
  return `0${(bits | f.mode).toString(8)}`;
}

export function s3Credentials(server: S3Server) {
  return { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
}

export { rejectionOf as rejection } from '../support/error-of.js';
