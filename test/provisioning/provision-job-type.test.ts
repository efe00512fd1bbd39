// `floe provision --job-type` (issue 23, item 5), run as a process: an EXPORT job from the committed
// example and from a spec without jobType; a bad value and a spec that names another type refused
// with one line, exit 2, nothing written.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../provisioning/manifest.js';

const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

async function workspace(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'floe-provision-type-'));
  roots.push(root);
  return root;
}

function floe(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node_modules/.bin/tsx', ['appliance/cli/bin.ts', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('floe provision --job-type', () => {
  it('provisions the EXPORT example, and a spec without jobType made EXPORT by the flag; identity and manifest say EXPORT', async () => {
    const root = await workspace();
    const example = floe('provision', '--job', 'provisioning/examples/export-job.json', '--data', join(root, 'a'), '--out', join(root, 'out-a'));
    expect([example.status, example.stderr]).toEqual([0, '']);
    expect(example.stdout).toContain('Job type:    EXPORT\n');

    const { jobType: _t, ...untyped } = JSON.parse(await readFile('provisioning/examples/export-job.json', 'utf8')) as Record<string, unknown>;
    await writeFile(join(root, 'untyped.json'), JSON.stringify(untyped));
    const r = floe('provision', '--job', join(root, 'untyped.json'), '--job-type', 'EXPORT', '--data', join(root, 'b'), '--out', join(root, 'out-b'), '--json');
    expect([r.status, r.stderr]).toEqual([0, '']);
    const out = JSON.parse(r.stdout) as { jobId: string; manifestPath: string };
    const identity = JSON.parse(await readFile(join(root, 'b', 'device', 'identity.json'), 'utf8')) as Record<string, unknown>;
    expect(identity).toMatchObject({ jobId: out.jobId, jobType: 'EXPORT', shippingAddress: untyped.shippingAddress, sources: untyped.sources });
    expect('destinations' in identity).toBe(false);
    expect(readManifest(await readFile(out.manifestPath)).config).toMatchObject({ jobType: 'EXPORT', shippingAddress: untyped.shippingAddress });

    // Without the flag the same spec is an IMPORT job, and an IMPORT job has no sources.
    const noFlag = floe('provision', '--job', join(root, 'untyped.json'), '--data', join(root, 'c'), '--out', join(root, 'out-c'));
    expect([noFlag.status, noFlag.stderr]).toEqual([
      2,
      'floe: sources: only for EXPORT jobs: an IMPORT job ingests the shares its tasks name on site (and 1 more problem) [JOB_SPEC_INVALID]\n',
    ]);
  });

  it('refuses a job type floe does not run and a spec that says another one, writing nothing', async () => {
    const root = await workspace();
    const bad = floe('provision', '--job', 'provisioning/examples/job.json', '--job-type', 'LOCAL_USE', '--data', join(root, 'd'), '--out', join(root, 'o'));
    expect([bad.status, bad.stdout, bad.stderr]).toEqual([2, '', 'floe: --job-type: expected IMPORT or EXPORT, got "LOCAL_USE" [INVALID_ARGUMENT]\n']);
    const other = floe('provision', '--job', 'provisioning/examples/job.json', '--job-type', 'EXPORT', '--data', join(root, 'd'), '--out', join(root, 'o'));
    expect([other.status, other.stdout, other.stderr]).toEqual([2, '', 'floe: the job spec says jobType "IMPORT" and --job-type says EXPORT: change one of them [INVALID_ARGUMENT]\n']);
    expect(await readdir(root)).toEqual([]);
  });
});
