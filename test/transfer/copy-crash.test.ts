// Issue 23 ("resumable after any crash, nothing written twice"), for agentless copies
// (docs/copy.md): floe, a child process running a copy of a folder into Ceph RGW, is SIGKILLed 8
// times at random moments while it transfers. The copy then completes: every object holds the
// source's bytes, no file was put twice (a counting proxy in front of RGW sees at most one
// successful PutObject or CompleteMultipartUpload per key: a file put but not recorded before a
// kill is found in place by the next run, its content compared with the source, and recorded),
// and no multipart upload is left open.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completionsPerKey, expectObjectsOfSource } from './s3-delivery-checks.js';
import { between, pause, startCrashChild, type CrashChild } from './crash-child.js';
import { startCountingProxy, type CountingProxy } from '../harness/counting-proxy.js';
import type { RgwServer } from '../harness/rgw.js';
import { openMultipartUploads } from '../harness/s3-admin.js';
import { sharedRgw, stopSharedRgw } from '../sources/s3-fixture.js';
import { makeSourceFolder, MIB, provisionDevice, walkSource, type ProvisionedDevice } from './transfer-fixtures.js';

const BUCKET = 'floe-copy-crash';
const ROUNDS = 8;
// About 31 MiB at 1 MiB/s: over 30 s of transfer; the rounds kill floe after at most 3 s each.
const BYTES_PER_SECOND = 1 * MIB;

function startChild(p: ProvisionedDevice, rgw: RgwServer, proxy: CountingProxy, source: string, executionId: string): CrashChild {
  const destination = `s3://${BUCKET}/copy?endpoint=${proxy.endpoint}&forcePathStyle=true`;
  return startCrashChild('test/transfer/copy-child.ts', [p.dataDir, join(p.root, 'manifest.bin'), p.code, source, destination, rgw.accessKeyId, rgw.secretAccessKey, String(BYTES_PER_SECOND), executionId]);
}

describe('agentless copy through floe crashes', () => {
  let rgw: RgwServer;
  let proxy: CountingProxy;
  let p: ProvisionedDevice;
  beforeAll(async () => {
    rgw = await sharedRgw();
    await rgw.createBucket(BUCKET);
    proxy = await startCountingProxy(rgw.endpoint);
  }, 120_000);
  afterAll(async () => {
    await proxy?.close();
    await p?.cleanup();
    await stopSharedRgw();
  });

  it('completes byte-identical, puts no file twice, leaves no multipart upload open', { timeout: 300_000 }, async () => {
    p = await provisionDevice([{ uri: `s3://${BUCKET}/import`, endpoint: proxy.endpoint, region: 'us-east-1', forcePathStyle: true }]);
    await writeFile(join(p.root, 'manifest.bin'), p.manifest);
    const root = join(p.root, 'source');
    await mkdir(root);
    await makeSourceFolder(root, { small: 240, large: [12 * MIB + 1, 9 * MIB + 4321] });
    const source = join(root, 'share');
    const files = await walkSource(source);

    let floeKills = 0;
    const log: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const child = startChild(p, rgw, proxy, source, `exec-crash-${round}`);
      await child.progressed;
      if (child.lines.some((l) => l.startsWith('DONE'))) throw new Error(`the copy finished in round ${round}: lower BYTES_PER_SECOND`);
      if (child.process.exitCode !== null) throw new Error(`the child exited: ${child.lines.join('\n')}`);
      await pause(between(200, 3000));
      const wasRunning = child.process.exitCode === null;
      child.process.kill('SIGKILL');
      const exit = await child.exited;
      if (wasRunning && exit.signal === 'SIGKILL') floeKills++;
      log.push(`round ${round}: ${child.lines.filter((l) => l.startsWith('P ')).at(-1) ?? 'no progress'}; exit ${exit.signal ?? exit.code}`);
    }
    expect(floeKills, log.join('\n')).toBe(ROUNDS);

    const last = startChild(p, rgw, proxy, source, 'exec-crash-final');
    const exit = await last.exited;
    const done = last.lines.find((l) => l.startsWith('DONE')) ?? '';
    expect(done.split(' ').slice(0, 2).join(' '), `${log.join('\n')}\n${last.lines.slice(-5).join('\n')}`).toBe('DONE SUCCESS');
    expect(exit.code).toBe(0);
    const final = JSON.parse(done.slice('DONE SUCCESS '.length)) as { counters: { FilesTransferred: number; FilesSkipped: number; FilesVerified: number; FilesFailed: Record<string, number> }; failures: unknown[] };
    expect(final.failures).toEqual([]);
    expect(final.counters.FilesFailed).toEqual({ Prepare: 0, Transfer: 0, Verify: 0, Delete: 0 });

    // Every object holds the source's bytes.
    const expected = await expectObjectsOfSource(rgw, BUCKET, 'copy/', files);
    // At most one successful completing request per key, counted outside floe; every key has one
    // unless the server stored it from a request whose answer the kill cut.
    const completions = completionsPerKey(proxy);
    expect([...completions].filter(([, n]) => n !== 1)).toEqual([]);
    const cut = new Set(proxy.unanswered.map((r) => r.key));
    expect(expected.filter((k) => !completions.has(k) && !cut.has(k))).toEqual([]);
    expect(await openMultipartUploads(rgw, BUCKET, 'copy/')).toEqual([]);
    // The final run skipped what earlier runs put (recorded or found in place) and sent the rest.
    expect(final.counters.FilesTransferred + final.counters.FilesSkipped).toBeLessThanOrEqual(files.length);
    console.log(`${log.join('\n')}\nfinal: transferred ${final.counters.FilesTransferred}, skipped ${final.counters.FilesSkipped}`);
  });
});
