// provision(): what it leaves on the device's disk (non-secret state only) and in the manifest.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../appliance/crypto/hash.js';
import { readManifest, openManifest } from '../../provisioning/manifest.js';
import { provision, readJobSpecFile, type ProvisionResult } from '../../provisioning/provision.js';
import { rejectionOf } from '../support/error-of.js';
import { FAST_SCRYPT } from '../support/test-job.js';

const NOW = new Date('2025-06-01T12:00:00.000Z');
const example = JSON.parse(await readFile('provisioning/examples/job.json', 'utf8')) as Record<string, unknown>;

const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

async function workspace(): Promise<{ dataDir: string; outDir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'floe-provision-'));
  roots.push(root);
  return { dataDir: join(root, 'data'), outDir: join(root, 'out') };
}

async function provisioned(): Promise<{ dataDir: string; outDir: string; result: ProvisionResult }> {
  const dirs = await workspace();
  const result = await provision({ jobSpec: example, ...dirs, now: NOW, scrypt: FAST_SCRYPT });
  return { ...dirs, result };
}

/** Every regular file under `dir`, hidden ones included, as relative path -> bytes. */
async function allFiles(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(relative(dir, path), await readFile(path));
  }
  return out;
}

describe('provision', () => {
  it('writes the manifest to outDir and exactly five non-secret files to dataDir/device', async () => {
    const { dataDir, outDir, result } = await provisioned();
    expect(result.manifestPath).toBe(join(outDir, `${result.jobId}_manifest.bin`));
    expect([...(await allFiles(outDir)).keys()]).toEqual([`${result.jobId}_manifest.bin`]);
    expect([...(await allFiles(dataDir)).keys()].sort()).toEqual([
      'device/api-token',
      'device/identity.json',
      'device/lifecycle.json',
      'device/tls-cert.pem',
      'device/tls-key.pem',
    ]);
    expect(await readdir(dataDir)).toEqual(['device']);
  });

  it('leaves no DEK, no seed, no unlock code and no manifest copy on the device disk', async () => {
    const { dataDir, result } = await provisioned();
    const manifestBytes = await readFile(result.manifestPath);
    const manifest = readManifest(manifestBytes);
    const { dek, deviceKey } = await openManifest(manifest, result.unlockCode);
    const dekBytes = Buffer.from(dek.bytes);
    const seed = deviceKey.exportSeed();
    const needles: Array<[string, Buffer]> = [];
    for (const [name, secret] of [['DEK', dekBytes], ['seed', seed]] as const) {
      needles.push([`${name} raw`, secret], [`${name} hex`, Buffer.from(secret.toString('hex'))], [`${name} HEX`, Buffer.from(secret.toString('hex').toUpperCase())]);
      needles.push([`${name} base64`, Buffer.from(secret.toString('base64'))], [`${name} base64url`, Buffer.from(secret.toString('base64url'))]);
      // Any 16-byte window of the secret, raw: no partial copy either.
      for (let i = 0; i + 16 <= secret.length; i += 8) needles.push([`${name} raw window ${i}`, secret.subarray(i, i + 16)]);
    }
    needles.push(['unlock code', Buffer.from(result.unlockCode)], ['unlock code without hyphens', Buffer.from(result.unlockCode.replaceAll('-', ''))]);
    needles.push(['manifest', manifestBytes], ['wrapped secret', manifest.wrapped.sealed], ['wrapping salt', manifest.wrapped.salt]);
    const files = await allFiles(dataDir);
    expect(files.size).toBe(5);
    for (const [path, bytes] of files) {
      for (const [what, needle] of needles) expect(bytes.includes(needle), `${what} in ${path}`).toBe(false);
    }
    dek.dispose();
  });

  it('the manifest opens with the code and carries this device identity, certificate and job', async () => {
    const { dataDir, result } = await provisioned();
    const manifest = readManifest(await readFile(result.manifestPath));
    const identity = JSON.parse(await readFile(join(dataDir, 'device/identity.json'), 'utf8')) as Record<string, unknown>;
    expect(identity).toEqual({
      formatVersion: 1,
      deviceId: result.deviceId,
      jobId: result.jobId,
      jobType: 'IMPORT',
      devicePublicKey: result.devicePublicKey,
      tlsCertificateFingerprint: result.tlsCertificateFingerprint,
      deviceType: 'SNC1_SSD',
      returnAddress: example.returnAddress,
      destinations: example.destinations,
      provisionedAt: '2025-06-01T12:00:00.000Z',
    });
    expect(manifest.jobId).toBe(result.jobId);
    expect(manifest.deviceId).toBe(result.deviceId);
    expect(manifest.config).toEqual({
      jobId: result.jobId,
      jobType: 'IMPORT',
      description: example.description,
      deviceId: result.deviceId,
      deviceType: 'SNC1_SSD',
      devicePublicKey: result.devicePublicKey,
      tlsCertificateFingerprint: result.tlsCertificateFingerprint,
      destinations: example.destinations,
      returnAddress: example.returnAddress,
      createdAt: '2025-06-01T12:00:00.000Z',
      kdf: { name: 'scrypt', ...FAST_SCRYPT },
    });
    const { dek, deviceKey } = await openManifest(manifest, result.unlockCode);
    expect(dek.length).toBe(32);
    expect(deviceKey.publicKey.toString('hex')).toBe(identity.devicePublicKey);
    dek.dispose();

    const cert = new X509Certificate(await readFile(join(dataDir, 'device/tls-cert.pem')));
    expect(sha256(cert.raw).toString('hex')).toBe(manifest.config.tlsCertificateFingerprint);
    expect(cert.subject).toBe(`CN=floe device ${result.deviceId}`);
    expect(cert.checkPrivateKey(createPrivateKey(await readFile(join(dataDir, 'device/tls-key.pem'))))).toBe(true);
    expect(new Date(cert.validFrom).toISOString()).toBe('2025-05-31T12:00:00.000Z');

    expect(JSON.parse(await readFile(join(dataDir, 'device/lifecycle.json'), 'utf8'))).toEqual({ state: 'PROVISIONED', since: '2025-06-01T12:00:00.000Z' });
    expect((await readFile(join(dataDir, 'device/api-token'), 'utf8'))).toMatch(/^floe_[A-Za-z0-9_-]{43}\n$/);
  });

  it('stores the API token and TLS key 0600, the device folder 0700', async () => {
    const { dataDir } = await provisioned();
    const mode = async (p: string) => (await stat(join(dataDir, p))).mode & 0o777;
    expect(await mode('device/api-token')).toBe(0o600);
    expect(await mode('device/tls-key.pem')).toBe(0o600);
    expect(await mode('device')).toBe(0o700);
    expect(await mode('device/identity.json')).toBe(0o644);
  });

  it('every job gets its own ids, keys, code and certificate; manifests tell their job and device apart', async () => {
    const a = await provisioned();
    const b = await provisioned();
    expect(b.result.jobId).not.toBe(a.result.jobId);
    expect(b.result.deviceId).not.toBe(a.result.deviceId);
    expect(b.result.unlockCode).not.toBe(a.result.unlockCode);
    expect(b.result.devicePublicKey).not.toBe(a.result.devicePublicKey);
    expect(b.result.tlsCertificateFingerprint).not.toBe(a.result.tlsCertificateFingerprint);
    const identityA = JSON.parse(await readFile(join(a.dataDir, 'device/identity.json'), 'utf8')) as { jobId: string; deviceId: string };
    const manifestB = readManifest(await readFile(b.result.manifestPath));
    expect(manifestB.jobId).not.toBe(identityA.jobId);
    expect(manifestB.deviceId).not.toBe(identityA.deviceId);
    expect((await rejectionOf(openManifest(manifestB, a.result.unlockCode))).code).toBe('WRONG_UNLOCK_CODE');
  });

  it('uses the default scrypt cost (N=2^15, r=8, p=1) unless told otherwise', async () => {
    const dirs = await workspace();
    const result = await provision({ jobSpec: example, ...dirs });
    const manifest = readManifest(await readFile(result.manifestPath));
    expect(manifest.config.kdf).toEqual({ name: 'scrypt', N: 32768, r: 8, p: 1 });
    (await openManifest(manifest, result.unlockCode)).dek.dispose();
  });

  it('refuses an already provisioned dataDir (CONFLICT naming its job) and leaves it as it was', async () => {
    const { dataDir, result } = await provisioned();
    const before = await allFiles(dataDir);
    const outDir = (await workspace()).outDir;
    const err = await rejectionOf(provision({ jobSpec: example, dataDir, outDir, scrypt: FAST_SCRYPT }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toBe(`data directory ${dataDir} is already provisioned for job ${result.jobId} (device ${result.deviceId}); provision into a new or empty directory`);
    expect(await allFiles(dataDir)).toEqual(before);
    await expect(readdir(outDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a non-empty dataDir, accepts an empty one', async () => {
    const { dataDir, outDir } = await workspace();
    await mkdir(dataDir);
    const result = await provision({ jobSpec: example, dataDir, outDir, scrypt: FAST_SCRYPT });
    expect(result.jobId).toMatch(/^JID/);
    const other = await workspace();
    await mkdir(other.dataDir);
    await writeFile(join(other.dataDir, 'stray'), 'x');
    const err = await rejectionOf(provision({ jobSpec: example, ...other, scrypt: FAST_SCRYPT }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toBe(`data directory ${other.dataDir} is not empty; provision into a new or empty directory`);
  });

  it('refuses to put the manifest inside the data directory', async () => {
    const { dataDir } = await workspace();
    for (const outDir of [dataDir, join(dataDir, 'out')]) {
      const err = await rejectionOf(provision({ jobSpec: example, dataDir, outDir, scrypt: FAST_SCRYPT }));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toMatch(/^the manifest must not go into the device's data directory/);
    }
  });

  it('an invalid job spec writes nothing', async () => {
    const dirs = await workspace();
    const err = await rejectionOf(provision({ jobSpec: { ...example, jobType: 'LOCAL_USE' }, ...dirs }));
    expect(err.code).toBe('JOB_SPEC_INVALID');
    expect(err.message).toBe('jobType: LOCAL_USE jobs are not supported by floe (only IMPORT and EXPORT)');
    await expect(stat(dirs.dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(dirs.outDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reads job spec files: bad JSON is JOB_SPEC_INVALID, a missing file NOT_FOUND', async () => {
    const { dataDir } = await workspace();
    await mkdir(dataDir);
    const path = join(dataDir, 'job.json');
    await writeFile(path, '{"jobType": "IMPORT",');
    const bad = await rejectionOf(readJobSpecFile(path));
    expect(bad.code).toBe('JOB_SPEC_INVALID');
    expect(bad.message.startsWith(`${path} is not valid JSON: `)).toBe(true);
    expect((await rejectionOf(readJobSpecFile(join(dataDir, 'none.json')))).code).toBe('NOT_FOUND');
    expect(await readJobSpecFile('provisioning/examples/job.json')).toEqual(example);
  });
});
