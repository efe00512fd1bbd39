// Every row of the documented exit-code table (docs/operations.md, "Errors and exit codes")
// produced by a case a technician or a script meets, through the real CLI against real daemons:
// the exit code, and with --json the error as one JSON object {code, message} on stderr, its
// message exact. Device A goes the whole way (PROVISIONED, ON_SITE, LOCKED, AT_FACILITY, an
// import into a folder); device B gives another job's manifest and the unlock delay.
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningKey } from '../../appliance/crypto/signing.js';
import type { FloeError } from '../../appliance/errors.js';
import { floe, floeJson, provisionDevice, startDaemonProcess, type DaemonProcess, type ProvisionedDevice } from '../support/daemon-process.js';
import { testJobSpec } from '../support/test-job.js';
import { documentedExitTable, rowNames } from './documented-exit-codes.js';

interface Outcome {
  readonly exit: number | null;
  readonly code: string;
  readonly message: string;
}

/** Exit code -> the error codes seen with it (0 -> ['']). */
const produced = new Map<number, Set<string>>();
function record(exit: number | null, code: string): void {
  if (exit === null) return;
  if (!produced.has(exit)) produced.set(exit, new Set());
  produced.get(exit)!.add(code);
}

/** `floe ARGS --json` that fails: its exit code and the JSON error, the last line of stderr (progress lines come before it). */
async function refusal(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  const r = await floe([...args, '--json'], env);
  expect(r.status, `floe ${args.join(' ')} succeeded: ${r.stdout}`).not.toBe(0);
  const lines = r.stderr.trimEnd().split('\n');
  const error = JSON.parse(lines.at(-1)!) as { code: string; message: string };
  expect(Object.keys(error).filter((k) => k !== 'details').sort()).toEqual(['code', 'message']);
  record(r.status, error.code);
  return { exit: r.status, code: error.code, message: error.message };
}

/** `floe ARGS` that fails, in text: one line `floe: <message> [CODE]` on stderr, nothing on stdout. */
async function textRefusal(args: readonly string[]): Promise<Outcome> {
  const r = await floe(args);
  expect(r.stdout).toBe('');
  const m = /^floe: (.*) \[([A-Z_]+)\]\n$/su.exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  record(r.status, m![2]!);
  return { exit: r.status, code: m![2]!, message: m![1]! };
}

async function succeeds<T = Record<string, unknown>>(args: readonly string[]): Promise<T> {
  const value = await floeJson<T>(args);
  record(0, '');
  return value;
}

/** Flips one bit in the middle of the journal's first segment; flipping again puts it back. */
async function flipSegmentBit(dataDir: string): Promise<void> {
  const file = await open(join(dataDir, 'journal', 'segments', '00000001.seg'), 'r+');
  try {
    const { size } = await file.stat();
    const at = Math.floor(size / 2);
    const b = Buffer.alloc(1);
    await file.read(b, 0, 1, at);
    b[0]! ^= 0x40;
    await file.write(b, 0, 1, at);
  } finally {
    await file.close();
  }
}

let root: string;
let a: ProvisionedDevice;
let b: ProvisionedDevice;
let destination: string;
let source: string;
const daemons: DaemonProcess[] = [];
let fake: Server | undefined;
let dataA: string[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'floe-exit-cases-'));
  destination = join(root, 'destination');
  await mkdir(destination);
  a = await provisionDevice(testJobSpec('exit codes A', [{ uri: `efs://${destination}` }]), 'floe-exit-a-');
  b = await provisionDevice(testJobSpec('exit codes B', [{ uri: `efs://${destination}` }]), 'floe-exit-b-');
  dataA = ['--data', a.dataDir];
  source = join(root, 'share');
  await mkdir(join(source, 'sub'), { recursive: true });
  await writeFile(join(source, 'a.txt'), 'alpha\n');
  await writeFile(join(source, 'sub', 'b.txt'), 'beta\n');
  // A name the folder destination keeps for its part files: imported, it fails as DESTINATION_NAME_INVALID.
  await writeFile(join(source, '.floe-part-reserved'), 'reserved\n');
}, 60_000);

afterAll(async () => {
  for (const d of daemons) await d.kill('SIGKILL');
  await new Promise((r) => (fake === undefined ? r(undefined) : fake.close(r)));
  await a?.cleanup();
  await b?.cleanup();
  await rm(root, { recursive: true, force: true });
});

describe('every documented exit code, produced by its case', () => {
  it('without a daemon to answer: 2 usage, 5 no daemon, 1 an answer that is not JSON, 50 a bundle that is not signed', async () => {
    const usage = await refusal(['task', 'create', '--data', a.dataDir, '--name', 'x']);
    expect(usage).toEqual({ exit: 2, code: 'INVALID_ARGUMENT', message: "required option '--source <uri>' not specified (run `floe --help` for usage)" });

    expect(await textRefusal(['status', '--data', a.dataDir])).toEqual({ exit: 5, code: 'UNAVAILABLE', message: `no floe daemon is running for ${a.dataDir}: start it with floe serve --data ${a.dataDir}` });

    // Something on the daemon's port that is not the daemon: an unexpected failure, INTERNAL (1).
    fake = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('hello'));
    await new Promise<void>((r) => fake!.listen(0, '127.0.0.1', r));
    const port = (fake.address() as { port: number }).port;
    const imposter = join(root, 'imposter');
    await mkdir(join(imposter, 'device'), { recursive: true });
    await writeFile(join(imposter, 'device', 'daemon.json'), JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: 1, startedAt: new Date().toISOString(), tokenFile: 'device/api-token' }));
    await writeFile(join(imposter, 'device', 'api-token'), 'token\n');
    expect(await refusal(['status', '--data', imposter])).toEqual({ exit: 1, code: 'INTERNAL', message: 'the daemon answered GET /v1/status with something that is not JSON' });

    const bundle = join(root, 'floe-9.9.9-linux-x64.tar.gz');
    await writeFile(bundle, 'not a firmware bundle');
    const firmware = await textRefusal(['firmware', 'verify', bundle, '--public-key', SigningKey.generate().publicKey.toString('hex')]);
    expect(firmware).toMatchObject({ exit: 50, code: 'FIRMWARE_INVALID' });
    expect(firmware.message).toMatch(/^firmware bundle refused: /u);
  }, 60_000);

  it('PROVISIONED: 0 status, 10 a token of no device, 11 a wrong code, 12 inside the delay, 13 no keys, 14 lock before unlock', async () => {
    daemons.push(await startDaemonProcess(a.dataDir));
    // Device B: each wrong code after the third holds the next attempt back ten minutes.
    const daemonB = await startDaemonProcess(b.dataDir, { FLOE_UNLOCK_BASE_DELAY_MS: '600000', FLOE_UNLOCK_MAX_DELAY_MS: '600000' });
    daemons.push(daemonB);
    expect(await succeeds(['status', ...dataA])).toMatchObject({ state: 'PROVISIONED', unlocked: false });

    // The daemon's address with a token that is not this device's (status is public: ask for the tasks).
    const stranger = join(root, 'stranger');
    await mkdir(join(stranger, 'device'), { recursive: true });
    await writeFile(join(stranger, 'device', 'daemon.json'), await readFile(join(a.dataDir, 'device', 'daemon.json')));
    await writeFile(join(stranger, 'device', 'api-token'), 'not-the-token\n');
    expect(await refusal(['task', 'list', '--data', stranger])).toEqual({ exit: 10, code: 'UNAUTHENTICATED', message: 'the API token is not valid for this device' });

    const wrong = `${a.code.slice(0, -1)}${a.code.endsWith('A') ? 'B' : 'A'}`;
    expect(await refusal(['unlock', ...dataA, '--manifest', a.manifestPath, '--code', wrong])).toEqual({
      exit: 11,
      code: 'WRONG_UNLOCK_CODE',
      message: 'unlock code does not open this manifest (wrong code, or the manifest was changed)',
    });

    const manifestB = (await readFile(b.manifestPath)).toString('base64');
    const wrongB = `${b.code.slice(0, -1)}${b.code.endsWith('A') ? 'B' : 'A'}`;
    for (let i = 0; i < 4; i++) {
      const err = (await daemonB.client.post('/v1/unlock', { manifest: manifestB, code: wrongB }).catch((e: unknown) => e)) as FloeError;
      expect(err.code).toBe('WRONG_UNLOCK_CODE');
    }
    const delayed = await refusal(['unlock', '--data', b.dataDir, '--manifest', b.manifestPath, '--code', b.code]);
    expect(delayed).toMatchObject({ exit: 12, code: 'UNLOCK_DELAYED' });
    const wait = /^too many wrong unlock codes: try again in (\d+) s$/u.exec(delayed.message);
    expect(wait, delayed.message).not.toBeNull();
    expect(Number(wait![1])).toBeGreaterThan(500); // the ten minutes the fourth wrong code set, less the time since
    expect(Number(wait![1])).toBeLessThanOrEqual(600);

    expect(await refusal(['journal', 'stats', ...dataA])).toEqual({ exit: 13, code: 'DEVICE_LOCKED', message: 'the device holds no key: unlock it with the manifest and the unlock code' });
    expect(await refusal(['lock', ...dataA])).toEqual({ exit: 14, code: 'INVALID_STATE', message: 'lock applies on site (ON_SITE); the device is PROVISIONED' });
  }, 90_000);

  it('ON_SITE: 15 another job\'s manifest on the unlocked device, 4 a task name taken, 3 no such execution, 32 a source gone, 6 cancelled, 20 a damaged journal', async () => {
    expect(await succeeds(['unlock', ...dataA, '--manifest', a.manifestPath, '--code', a.code])).toMatchObject({ state: 'ON_SITE', unlocked: true });
    expect(await refusal(['unlock', ...dataA, '--manifest', b.manifestPath, '--code', b.code])).toEqual({
      exit: 15,
      code: 'MANIFEST_WRONG_DEVICE',
      message: `the manifest is for job ${b.jobId}; this device holds job ${a.jobId}`,
    });
    const jobJson = join(root, 'job.json');
    await writeFile(jobJson, JSON.stringify(testJobSpec('not a manifest')));
    expect(await refusal(['unlock', ...dataA, '--manifest', jobJson, '--code', a.code])).toMatchObject({ exit: 15, code: 'MANIFEST_INVALID' });
    expect(await succeeds(['status', ...dataA])).toMatchObject({ state: 'ON_SITE', unlocked: true, jobId: a.jobId });

    await succeeds(['task', 'create', ...dataA, '--name', 'share', '--source', `file://${source}`]);
    const started = await succeeds<{ TaskExecutionId: string }>(['task', 'start', ...dataA, 'share']);
    expect(await succeeds(['execution', 'wait', ...dataA, started.TaskExecutionId])).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 3 });

    expect(await refusal(['task', 'create', ...dataA, '--name', 'share', '--source', `file://${source}`])).toMatchObject({ exit: 4, code: 'CONFLICT' });
    expect(await refusal(['execution', 'describe', ...dataA, 'exec-nope'])).toMatchObject({ exit: 3, code: 'NOT_FOUND' });

    const gone = join(root, 'gone');
    await mkdir(gone);
    await succeeds(['task', 'create', ...dataA, '--name', 'gone', '--source', `file://${gone}`]);
    await rm(gone, { recursive: true });
    const lost = await succeeds<{ TaskExecutionId: string }>(['task', 'start', ...dataA, 'gone']);
    const sourceGone = await refusal(['execution', 'wait', ...dataA, lost.TaskExecutionId]);
    expect(sourceGone).toMatchObject({ exit: 32, code: 'SOURCE_NOT_FOUND' });
    expect(sourceGone.message).toMatch(new RegExp(`^execution ${lost.TaskExecutionId} ended in ERROR: .*ENOENT.*${gone}`, 'u'));

    const big = join(root, 'big');
    await mkdir(big);
    await writeFile(join(big, 'big.bin'), Buffer.alloc(4 << 20, 7));
    await succeeds(['task', 'create', ...dataA, '--name', 'big', '--source', `file://${big}`]);
    const slow = await succeeds<{ TaskExecutionId: string }>(['task', 'start', ...dataA, 'big', '--bytes-per-second', '64K']);
    await succeeds(['execution', 'cancel', ...dataA, slow.TaskExecutionId]);
    expect(await refusal(['execution', 'wait', ...dataA, slow.TaskExecutionId])).toMatchObject({ exit: 6, code: 'CANCELLED' });

    await flipSegmentBit(a.dataDir);
    const damaged = await refusal(['journal', 'verify', ...dataA]);
    expect(damaged).toMatchObject({ exit: 20, code: 'JOURNAL_CORRUPT' });
    expect(damaged.message).toMatch(/^journal verify found [1-9]\d* problem\(s\)$/u);
    await flipSegmentBit(a.dataDir);
    expect(await succeeds(['journal', 'verify', ...dataA])).toMatchObject({ ok: true });
  }, 120_000);

  it('LOCKED and AT_FACILITY: 16 a journal changed after the seal, 40 a destination not mounted, 7 an import with a file refused', async () => {
    await succeeds(['lock', ...dataA]);
    await flipSegmentBit(a.dataDir);
    const mismatch = await refusal(['unlock', ...dataA, '--manifest', a.manifestPath, '--code', a.code]);
    expect(mismatch).toMatchObject({ exit: 16, code: 'SEAL_MISMATCH' });
    expect(mismatch.message).toMatch(/^the journal does not match its seal: /u);
    expect(await succeeds(['status', ...dataA])).toMatchObject({ state: 'LOCKED', unlocked: false });
    await flipSegmentBit(a.dataDir);
    expect(await succeeds(['unlock', ...dataA, '--manifest', a.manifestPath, '--code', a.code])).toMatchObject({ state: 'AT_FACILITY', unlocked: true });

    const unmounted = join(root, 'not-mounted');
    expect(await refusal(['import', ...dataA, '--destination', `efs://${unmounted}`])).toEqual({
      exit: 40,
      code: 'DESTINATION_UNREACHABLE',
      message: `efs://${unmounted}: ${unmounted} does not exist (not mounted?)`,
    });

    const imported = await refusal(['import', ...dataA, '--option', 'VerifyMode=NONE']);
    expect(imported).toMatchObject({ exit: 7, code: 'COMPLETED_WITH_ERRORS' });
    expect(imported.message).toMatch(/^import import-\S+: Completed with errors, 1 file failed \(DESTINATION_NAME_INVALID\); floe report --out DIR lists them$/u);
    expect(await readFile(join(destination, 'a.txt'), 'utf8')).toBe('alpha\n');
    expect(await readFile(join(destination, 'sub', 'b.txt'), 'utf8')).toBe('beta\n');
    expect(await succeeds(['status', ...dataA])).toMatchObject({ state: 'IMPORTED_WITH_ERRORS' });
  }, 120_000);

  it('has produced every row of the table, each with a code that row names', async () => {
    const rows = await documentedExitTable();
    for (const row of rows) {
      const seen = row.exits.filter((e) => produced.has(e));
      expect(seen, `exit ${row.exits.join('-')} (${row.codes.join(', ') || 'success'}) produced`).not.toEqual([]);
      for (const exit of seen) {
        for (const code of produced.get(exit)!) if (code !== '') expect(rowNames(row, code), `${code} documented under exit ${exit}`).toBe(true);
      }
    }
    expect([...produced.keys()].every((e) => rows.some((r) => r.exits.includes(e))), `undocumented exit in ${[...produced.keys()].join(', ')}`).toBe(true);
  });
});
