// `floe provision` run as a process, as the station operator runs it.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openManifest, readManifest } from '../../provisioning/manifest.js';

const CODE = /^[A-Z0-9]{5}(-[A-Z0-9]{5}){4}$/;
const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

async function workspace(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'floe-provision-cli-'));
  roots.push(root);
  return root;
}

function floe(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node_modules/.bin/tsx', ['appliance/cli/bin.ts', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('floe provision', () => {
  it('prints the job, the manifest path and the 29-character unlock code once, with the warning', async () => {
    const root = await workspace();
    const r = floe('provision', '--job', 'provisioning/examples/job.json', '--data', join(root, 'data'), '--out', join(root, 'out'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const jobId = /^Job: +(JID[0-9a-f-]{36})$/m.exec(r.stdout)?.[1];
    const code = /^Unlock code: (\S+)$/m.exec(r.stdout)?.[1];
    expect(jobId).toBeDefined();
    expect(code).toMatch(CODE);
    expect(code).toHaveLength(29);
    expect(r.stdout.split(code!).length - 1).toBe(1);
    expect(r.stdout).toContain('This unlock code is shown once and never stored. Keep it apart from the manifest');
    const manifestPath = join(root, 'out', `${jobId}_manifest.bin`);
    expect(r.stdout).toContain(`Manifest:    ${manifestPath}\n`);
    expect(await readdir(join(root, 'out'))).toEqual([`${jobId}_manifest.bin`]);
    const manifest = readManifest(await readFile(manifestPath));
    expect(manifest.jobId).toBe(jobId);
    (await openManifest(manifest, code!)).dek.dispose();
  });

  it('--json prints one stable object', async () => {
    const root = await workspace();
    const r = floe('provision', '--job', 'provisioning/examples/job.json', '--data', join(root, 'data'), '--out', join(root, 'out'), '--json');
    expect(r.status).toBe(0);
    expect(r.stdout.endsWith('}\n')).toBe(true);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const out = JSON.parse(r.stdout) as Record<string, string>;
    expect(Object.keys(out)).toEqual(['jobId', 'deviceId', 'unlockCode', 'manifestPath', 'dataDir', 'devicePublicKey', 'tlsCertificateFingerprint', 'warning']);
    expect(out.unlockCode).toMatch(CODE);
    expect(out.manifestPath).toBe(join(root, 'out', `${out.jobId}_manifest.bin`));
    const manifest = readManifest(await readFile(out.manifestPath!));
    expect(manifest.deviceId).toBe(out.deviceId);
    expect(manifest.config.devicePublicKey).toBe(out.devicePublicKey);
    expect(manifest.config.tlsCertificateFingerprint).toBe(out.tlsCertificateFingerprint);
  });

  it('a bad job spec exits 2 with one line naming the field and the code', async () => {
    const root = await workspace();
    const job = join(root, 'job.json');
    const spec = JSON.parse(await readFile('provisioning/examples/job.json', 'utf8')) as Record<string, unknown>;
    await writeFile(job, JSON.stringify({ ...spec, destinations: [{ uri: 's3://A_B/x' }] }));
    const r = floe('provision', '--job', job, '--data', join(root, 'data'), '--out', join(root, 'out'));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'floe: destinations[0].uri: bucket name "A_B" is not a valid S3 bucket name: only lowercase letters, digits, dots (.) and hyphens (-) are allowed [JOB_SPEC_INVALID]\n',
    );
    expect(await readdir(root)).toEqual(['job.json']);
  });

  it('an already provisioned data directory exits 4 (CONFLICT)', async () => {
    const root = await workspace();
    const args = ['provision', '--job', 'provisioning/examples/job.json', '--data', join(root, 'data'), '--out', join(root, 'out'), '--json'];
    const first = JSON.parse(floe(...args).stdout) as { jobId: string };
    const r = floe(...args);
    expect(r.status).toBe(4);
    // With --json the error is one JSON object on stderr.
    const error = JSON.parse(r.stderr) as { code: string; message: string };
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toMatch(new RegExp(`^data directory .* is already provisioned for job ${first.jobId} `));
  });
});
