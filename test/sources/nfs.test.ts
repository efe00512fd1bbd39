// The NFSv3 source against a real nfs-ganesha on 127.0.0.1 (TOOLCHAIN.md): the conformance suite,
// plus permissions, a server restart in the middle of a read, the portmapper, and URI errors.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFloeError } from '../../appliance/errors.js';
import { ACCESS3 } from '../../appliance/sources/nfs/nfs3-procedures.js';
import { openNfsSource, type NfsSource } from '../../appliance/sources/nfs/nfs-source.js';
import { openSource } from '../../appliance/sources/open-source.js';
import { ganeshaUnavailableReason, portInUse, startGanesha, type Ganesha } from '../harness/ganesha.js';
import type { FileMetadata } from '../../appliance/journal/file-entry.js';
import type { SourceEntry } from '../../appliance/sources/source.js';
import { describeSource } from './describe-source.js';
import { sha256 } from './source-fixture.js';

const skip = ganeshaUnavailableReason();
const b = (text: string): Buffer => Buffer.from(text);

async function readAll(source: NfsSource, relPath: string, offset = 0): Promise<Buffer> {
  const entry = await source.stat(b(relPath));
  const chunks: Buffer[] = [];
  for await (const chunk of source.read(entry, offset)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const PROCEDURE_NAMES: Record<number, string> = { 1: 'GETATTR', 3: 'LOOKUP', 6: 'READ' };

/** Counts the NFS procedures a source calls from now on, by name (RFC 1813 procedure numbers). */
function countProcedures(source: NfsSource): Map<string, number> {
  const counts = new Map<string, number>();
  const rpc = (source as unknown as { nfs: { rpc: { call: (target: { procedure: number }, ...rest: unknown[]) => Promise<unknown> } } }).nfs.rpc;
  const call = rpc.call.bind(rpc);
  rpc.call = (target, ...rest) => {
    const name = PROCEDURE_NAMES[target.procedure] ?? String(target.procedure);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return call(target, ...rest);
  };
  return counts;
}

/** Reads a listed entry, keeping what onAttributesAfter reports. */
async function readWithAttributes(source: NfsSource, entry: SourceEntry): Promise<{ data: Buffer; after: FileMetadata | undefined }> {
  let after: FileMetadata | undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of source.read(entry, 0, { onAttributesAfter: (meta) => void (after = meta) })) chunks.push(Buffer.from(chunk));
  return { data: Buffer.concat(chunks), after };
}

describeSource(
  'nfs (nfs-ganesha)',
  async (exportDir) => {
    const server = await startGanesha({ exportDir });
    try {
      const source = await openSource(server.uri());
      return {
        source,
        fsId: 'opaque',
        close: async () => {
          await source.close();
          await server.stop();
        },
      };
    } catch (err) {
      await server.stop();
      throw err;
    }
  },
  skip === undefined ? {} : { skip },
);

describe.skipIf(skip !== undefined)(`nfs source against nfs-ganesha${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const LARGE_SIZE = 12 * 1024 * 1024 + 4321;
  let tmp: string;
  let exportDir: string;
  let server: Ganesha;
  let large: Buffer;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-nfs-'));
    exportDir = path.join(tmp, 'export');
    fs.mkdirSync(path.join(exportDir, 'dir', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(exportDir, 'dir', 'sub', 'inner.txt'), 'inner\n');
    fs.writeFileSync(path.join(exportDir, 'secret.txt'), 'for uid 1000 only\n');
    fs.chownSync(path.join(exportDir, 'secret.txt'), 1000, 1000);
    fs.chmodSync(path.join(exportDir, 'secret.txt'), 0o600);
    large = randomBytes(LARGE_SIZE);
    fs.writeFileSync(path.join(exportDir, 'large.bin'), large);
    server = await startGanesha({ exportDir });
  });

  afterAll(async () => {
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses a 0600 file of another owner to uid=65534 with SOURCE_ACCESS_DENIED naming the file and NFS3ERR_ACCES', async () => {
    const source = await openNfsSource(server.uri('', { uid: 65534, gid: 65534 }));
    try {
      const entry = await source.stat(b('secret.txt'));
      expect([entry.uid, entry.mode]).toEqual([1000, 0o600]);
      expect((await source.access(b('secret.txt'), ACCESS3.READ)) & ACCESS3.READ).toBe(0);
      const err = await (async () => {
        for await (const _ of source.read(entry)) void _;
      })().catch((e: unknown) => e);
      expect(isFloeError(err, 'SOURCE_ACCESS_DENIED'), String(err)).toBe(true);
      expect((err as Error).message).toMatch(/^READ '\/export\/secret\.txt' on 127\.0\.0\.1:\d+: NFS3ERR_ACCES$/);
    } finally {
      await source.close();
    }
    const asRoot = await openNfsSource(server.uri());
    try {
      expect((await readAll(asRoot, 'secret.txt')).toString()).toBe('for uid 1000 only\n');
    } finally {
      await asRoot.close();
    }
  });

  it('reads the same bytes as the reference client nfs-cat', async () => {
    const source = await openNfsSource(server.uri());
    try {
      const ours = await readAll(source, 'large.bin');
      const theirs = execFileSync('nfs-cat', [`nfs://127.0.0.1/export/large.bin?nfsport=${server.nfsPort}&mountport=${server.mountPort}`], { maxBuffer: 64 << 20 });
      expect(sha256(ours)).toBe(sha256(theirs));
      expect(sha256(ours)).toBe(sha256(large));
    } finally {
      await source.close();
    }
  });

  it('opens a sub-path of the export by LOOKUPs from the mounted root', async () => {
    const source = await openNfsSource(server.uri('dir'));
    try {
      const names: string[] = [];
      for await (const e of source.list(Buffer.alloc(0))) names.push(e.name.toString());
      expect(names).toEqual(['sub']);
      expect((await readAll(source, 'sub/inner.txt')).toString()).toBe('inner\n');
    } finally {
      await source.close();
    }
    await expect(openNfsSource(server.uri('dir/missing'))).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND', message: expect.stringContaining('/export/dir/missing') });
  });

  it('answers NULL, and reports FSINFO and FSSTAT of the exported file system', async () => {
    const source = await openNfsSource(server.uri());
    try {
      await source.ping();
      expect(source.preferredReadSize).toBeGreaterThan(0);
      expect(source.preferredReadSize).toBeLessThanOrEqual(source.fsInfo.rtmax);
      const stat = await source.fsstat();
      const statfs = fs.statfsSync(exportDir, { bigint: true });
      expect(stat.totalBytes).toBe(statfs.blocks * statfs.bsize);
    } finally {
      await source.close();
    }
  });

  it('survives ganesha being killed and restarted in the middle of a read: same bytes, bounded time', async () => {
    const source = await openNfsSource(server.uri(), { readSize: 256 * 1024, readDepth: 4, retry: { backoffMs: 100, maxBackoffMs: 1_000, retries: 10, timeoutMs: 10_000 } });
    try {
      const entry = await source.stat(b('large.bin'));
      const started = Date.now();
      const chunks: Buffer[] = [];
      let restart: Promise<void> | undefined;
      for await (const chunk of source.read(entry)) {
        chunks.push(Buffer.from(chunk));
        if (chunks.length === 8) {
          // At most readDepth READs are ahead of us: the other ~40 must cross the restart.
          await server.kill(true);
          restart = new Promise((r) => setTimeout(r, 300)).then(() => server.start());
        }
      }
      await restart;
      expect(restart).toBeDefined();
      expect(sha256(chunks)).toBe(sha256(large));
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await source.close();
    }
  });

  it('fails with SOURCE_UNREACHABLE within the retry budget when the server stays down', async () => {
    const source = await openNfsSource(server.uri(), { readSize: 256 * 1024, readDepth: 4, retry: { backoffMs: 50, maxBackoffMs: 200, retries: 4, timeoutMs: 2_000 } });
    try {
      const entry = await source.stat(b('large.bin'));
      const started = Date.now();
      let got = 0;
      const err = await (async () => {
        for await (const chunk of source.read(entry)) {
          got += chunk.length;
          if (got >= 1024 * 1024 && got - chunk.length < 1024 * 1024) await server.kill(true);
        }
      })().catch((e: unknown) => e);
      expect(isFloeError(err, 'SOURCE_UNREACHABLE'), String(err)).toBe(true);
      expect((err as Error).message).toMatch(/^cannot reach 127\.0\.0\.1:\d+ after 5 attempts: /);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await server.start();
      await source.close();
    }
    const again = await openNfsSource(server.uri());
    try {
      expect(sha256(await readAll(again, 'large.bin', 5))).toBe(sha256(large.subarray(5)));
    } finally {
      await again.close();
    }
  });

  it('answers a file and a directory removed after they were listed with SOURCE_STALE naming them', async () => {
    fs.writeFileSync(path.join(exportDir, 'gone.txt'), 'soon gone\n');
    fs.mkdirSync(path.join(exportDir, 'gone-dir'));
    const source = await openNfsSource(server.uri());
    try {
      const file = await source.stat(b('gone.txt'));
      const dir = await source.stat(b('gone-dir'));
      fs.unlinkSync(path.join(exportDir, 'gone.txt'));
      fs.rmdirSync(path.join(exportDir, 'gone-dir'));
      const readError = await (async () => {
        for await (const _ of source.read(file)) void _;
      })().catch((e: unknown) => e);
      expect(readError).toMatchObject({ code: 'SOURCE_STALE', message: expect.stringMatching(/^READ '\/export\/gone\.txt' on 127\.0\.0\.1:\d+: NFS3ERR_STALE$/) });
      const listError = await (async () => {
        for await (const _ of source.list(dir.path)) void _;
      })().catch((e: unknown) => e);
      expect(listError).toMatchObject({ code: 'SOURCE_STALE', message: expect.stringContaining("READDIRPLUS '/export/gone-dir'") });
      await expect(source.stat(b('gone.txt'))).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND', message: expect.stringContaining('NFS3ERR_NOENT') });
    } finally {
      await source.close();
    }
  });

  it('answers an unknown export with a typed error naming it', async () => {
    const err = await openNfsSource(`nfs://127.0.0.1/nope?nfsport=${server.nfsPort}&mountport=${server.mountPort}`).catch((e: unknown) => e);
    expect(isFloeError(err) && ['SOURCE_NOT_FOUND', 'SOURCE_ACCESS_DENIED'].includes(err.code), String(err)).toBe(true);
    expect((err as Error).message).toContain("'/nope'");
  });

  it('answers a port where nothing listens with SOURCE_UNREACHABLE', async () => {
    const err = await openNfsSource('nfs://127.0.0.1/export?nfsport=1&mountport=1', { retry: { retries: 1, backoffMs: 10 } }).catch((e: unknown) => e);
    expect(isFloeError(err, 'SOURCE_UNREACHABLE'), String(err)).toBe(true);
    expect((err as Error).message).toMatch(/^cannot reach 127\.0\.0\.1:1 after 2 attempts: cannot connect to 127\.0\.0\.1:1: connect ECONNREFUSED/);
  });

  it('rejects malformed URIs with INVALID_ARGUMENT saying what is wrong', async () => {
    const cases: Array<[string, RegExp]> = [
      ['nfs://127.0.0.1/export?colour=blue', /unknown parameter 'colour'/],
      ['nfs://127.0.0.1/export?version=4', /version must be 3/],
      ['nfs://127.0.0.1/export?uid=root', /uid must be a decimal number, not 'root'/],
      ['nfs://127.0.0.1/export?gid=-1', /gid must be a decimal number/],
      ['nfs://127.0.0.1/export?nfsport=70000&mountport=1', /nfsport must be between 1 and 65535/],
      ['nfs://127.0.0.1', /no export path/],
      ['nfs://user:pw@127.0.0.1/export', /user names and passwords/],
      ['nfs:/export', /no host/],
    ];
    for (const [uri, message] of cases) {
      await expect(openNfsSource(uri), uri).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) });
    }
  });
});

// Files here change behind ganesha's back, so it keeps no attributes cached (Attr_Expiration_Time 0),
// as a NAS serving its own disk shows its changes at once.
describe.skipIf(skip !== undefined)('nfs source reads: the READs sent and the attributes after them', () => {
  let tmp: string;
  let dir: string;
  let server: Ganesha;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-nfs-reads-'));
    dir = path.join(tmp, 'export');
    fs.mkdirSync(dir);
    server = await startGanesha({ exportDir: dir, attrExpirationSeconds: 0 });
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  /** Runs `use` with a source of its own, closed afterwards. */
  const withSource = async (use: (source: NfsSource) => Promise<void>): Promise<void> => {
    const source = await openNfsSource(server.uri());
    try {
      await use(source);
    } finally {
      await source.close();
    }
  };

  it("reads a small file with one READ and hands over that READ's post-op attributes, equal to a fresh stat", async () => {
    fs.writeFileSync(path.join(dir, 'one-read.txt'), 'x'.repeat(5000));
    await withSource(async (source) => {
      const entry = await source.stat(b('one-read.txt'));
      const calls = countProcedures(source);
      const { data, after } = await readWithAttributes(source, entry);
      expect(data.equals(Buffer.from('x'.repeat(5000)))).toBe(true);
      expect(Object.fromEntries(calls)).toEqual({ READ: 1 });
      const fresh = await source.stat(b('one-read.txt'));
      expect(after).toMatchObject({ type: 'file', size: 5000, mtimeNs: fresh.mtimeNs, ctimeNs: fresh.ctimeNs, fileId: fresh.fileId, fsId: fresh.fsId, mode: fresh.mode });
    });
  });

  it('reads a file grown since it was listed to its new end: within one READ the attributes show the new size, beyond it none are given', async () => {
    await withSource(async (source) => {
      const file = path.join(dir, 'growing.bin');
      fs.writeFileSync(file, Buffer.alloc(100, 1));
      const listed = await source.stat(b('growing.bin'));
      fs.appendFileSync(file, Buffer.alloc(1900, 2));
      const small = await readWithAttributes(source, listed);
      expect(small.data.equals(fs.readFileSync(file))).toBe(true);
      expect(small.after?.size).toBe(2000);

      fs.appendFileSync(file, randomBytes(source.preferredReadSize * 2 + 7));
      const calls = countProcedures(source);
      const big = await readWithAttributes(source, listed);
      expect(big.data.equals(fs.readFileSync(file))).toBe(true);
      expect(big.after).toBeUndefined();
      expect(calls.get('READ')).toBe(3);
    });
  });

  it('reads from an offset past the listed size what the file has grown since', async () => {
    await withSource(async (source) => {
      const file = path.join(dir, 'grown-past.bin');
      fs.writeFileSync(file, Buffer.alloc(100, 1));
      const listed = await source.stat(b('grown-past.bin'));
      const more = randomBytes(5000);
      fs.appendFileSync(file, more);
      const chunks: Buffer[] = [];
      for await (const chunk of source.read(listed, 2000)) chunks.push(Buffer.from(chunk));
      expect(Buffer.concat(chunks).equals(more.subarray(1900))).toBe(true);
    });
  });

  it('sends one READ past the listed size only when the READs end exactly there', async () => {
    await withSource(async (source) => {
      const exact = randomBytes(source.preferredReadSize * 2);
      fs.writeFileSync(path.join(dir, 'exact.bin'), exact);
      const entry = await source.stat(b('exact.bin'));
      const calls = countProcedures(source);
      const { data, after } = await readWithAttributes(source, entry);
      expect(data.equals(exact)).toBe(true);
      expect(after).toBeUndefined();
      expect(Object.fromEntries(calls)).toEqual({ READ: 3 });
    });
  });
});

const portmapperSkip = skip ?? (process.platform === 'linux' && (await portInUse(111)) ? 'TCP port 111 is taken by another portmapper' : undefined);

describe.skipIf(portmapperSkip !== undefined)(`nfs source through the portmapper${portmapperSkip ? ` (skipped: ${portmapperSkip})` : ''}`, () => {
  let tmp: string;
  let server: Ganesha;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-nfs-pmap-'));
    fs.mkdirSync(path.join(tmp, 'export'));
    fs.writeFileSync(path.join(tmp, 'export', 'hello.txt'), 'found through rpcbind\n');
    server = await startGanesha({ exportDir: path.join(tmp, 'export'), portmapper: true });
  });

  afterAll(async () => {
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('finds the MOUNT and NFS ports with GETPORT when the URI gives none', async () => {
    const source = await openNfsSource('nfs://127.0.0.1/export');
    try {
      expect((await readAll(source, 'hello.txt')).toString()).toBe('found through rpcbind\n');
    } finally {
      await source.close();
    }
    const explicit = await openNfsSource('nfs://127.0.0.1:111/export?version=3');
    await explicit.close();
  });
});
