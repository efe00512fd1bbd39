// jobType in the job spec and the manifest (issue 23, item 5): IMPORT and EXPORT, IMPORT when a
// spec or a manifest made before EXPORT jobs names none; an EXPORT job names its sources and the
// customer's shipping address and no destinations.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KeyRing } from '../appliance/crypto/key-ring.js';
import { SigningKey } from '../appliance/crypto/signing.js';
import { FloeError } from '../appliance/errors.js';
import { canonicalJson, type CanonicalValue } from './canonical-json.js';
import { newDeviceId, newJobId } from './job-ids.js';
import { parseJobSpec } from './job-spec.js';
import { manifestConfigFromSpec, type ManifestConfig } from './manifest-config.js';
import { HEADER_LENGTH, encodeManifest, openManifest, readManifest } from './manifest.js';
import { generateUnlockCode } from './unlock-code.js';

const read = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`./examples/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const importExample = read('job.json');
const exportExample = read('export-job.json');

function rejection(input: unknown): FloeError {
  try {
    parseJobSpec(input);
  } catch (err) {
    if (err instanceof FloeError) return err;
    throw err;
  }
  throw new Error('the job spec was accepted');
}

function problemsOf(input: unknown): Array<{ field: string; message: string }> {
  return rejection(input).details?.problems as Array<{ field: string; message: string }>;
}

const FAST = { name: 'scrypt', N: 1 << 10, r: 8, p: 1 } as const;

async function manifestOf(config: ManifestConfig) {
  const dek = KeyRing.generateDataKey();
  const deviceKey = SigningKey.fromSeed(Buffer.alloc(32, 7));
  const code = generateUnlockCode();
  return { bytes: await encodeManifest(config, { dek, deviceKey }, code), code, dek };
}

function configFor(spec: ReturnType<typeof parseJobSpec>): ManifestConfig {
  return manifestConfigFromSpec(spec, {
    jobId: newJobId(),
    deviceId: newDeviceId(),
    devicePublicKey: SigningKey.fromSeed(Buffer.alloc(32, 7)).publicKey.toString('hex'),
    tlsCertificateFingerprint: 'ab'.repeat(32),
    createdAt: '2026-12-08T10:00:00.000Z',
    kdf: FAST,
  });
}

describe('jobType', () => {
  it('a spec without jobType is an IMPORT job, as every spec was before EXPORT jobs', () => {
    const { jobType: _dropped, ...old } = importExample;
    expect(parseJobSpec(old)).toEqual({ ...old, jobType: 'IMPORT' });
  });

  it('accepts the committed EXPORT example: sources, the shipping address, no destinations', () => {
    const spec = parseJobSpec(exportExample);
    expect(spec).toEqual({ ...exportExample, destinations: [] });
    expect(spec.sources?.map((s) => s.uri)).toEqual(['s3://floe-demo/datasets/survey-2026', 'efs:///mnt/efs/floe-demo/reference']);
    expect(spec.shippingAddress?.city).toBe('Tromso');
  });

  it('an IMPORT job may name the shipping address too', () => {
    const spec = parseJobSpec({ ...importExample, shippingAddress: exportExample.shippingAddress });
    expect(spec.shippingAddress).toEqual(exportExample.shippingAddress);
  });

  it('refuses an EXPORT spec that imports or misses its sources or the customer address, each problem named', () => {
    const { sources: _s, shippingAddress: _a, ...bare } = exportExample;
    expect(problemsOf({ ...bare, destinations: importExample.destinations })).toEqual([
      { field: 'destinations', message: 'an EXPORT job imports nothing into AWS: name what goes onto the device in sources' },
      { field: 'sources', message: 'required: at least one source (s3://, efs:// or fsx://)' },
      { field: 'shippingAddress', message: "required: the customer's address, where an EXPORT device is shipped (name, street1, city, postalCode, country)" },
    ]);
    const err = rejection({ ...exportExample, sources: [{ uri: 'nfs://h/x' }, { uri: 'efs:///mnt/a', region: 'us-east-1' }, { uri: 's3://abc', bucket: 'x' }] });
    expect(err.message).toBe('sources[0].uri: scheme "nfs" is not supported: expected s3://bucket/prefix, efs:///path or fsx:///path (and 2 more problems)');
    expect(err.details?.problems).toEqual([
      { field: 'sources[0].uri', message: 'scheme "nfs" is not supported: expected s3://bucket/prefix, efs:///path or fsx:///path' },
      { field: 'sources[1].region', message: 'only for s3:// sources, not efs://' },
      { field: 'sources[2].bucket', message: 'not a source field' },
    ]);
    expect(problemsOf({ ...exportExample, sources: [] })).toEqual([{ field: 'sources', message: 'at least one source is required' }]);
    expect(problemsOf({ ...exportExample, shippingAddress: { ...(exportExample.shippingAddress as object), zip: '1' } })).toEqual([
      { field: 'shippingAddress.zip', message: 'not a shipping address field' },
    ]);
  });
});

describe('jobType in the manifest', () => {
  it('an EXPORT manifest carries jobType, sources and the shipping address, and no destinations', async () => {
    const config = configFor(parseJobSpec(exportExample));
    expect(config).toMatchObject({ jobType: 'EXPORT', sources: exportExample.sources, shippingAddress: exportExample.shippingAddress });
    expect('destinations' in config).toBe(false);
    const m = await manifestOf(config);
    const manifest = readManifest(m.bytes);
    expect(manifest.config).toEqual(config);
    const opened = await openManifest(manifest, m.code);
    expect(opened.dek.equals(m.dek)).toBe(true);
    opened.dek.dispose();
    m.dek.dispose();
  });

  it('a manifest made before EXPORT jobs, with no jobType, still reads and opens: an IMPORT job, its bytes as they were', async () => {
    const { jobType: _dropped, ...old } = configFor(parseJobSpec(importExample));
    const m = await manifestOf(old as ManifestConfig);
    const stored = m.bytes.subarray(HEADER_LENGTH, HEADER_LENGTH + m.bytes.readUInt32LE(12)).toString('utf8');
    expect(stored).toBe(canonicalJson(old as unknown as CanonicalValue));
    expect(stored).not.toContain('jobType');
    const manifest = readManifest(m.bytes);
    expect(manifest.config).toEqual({ ...old, jobType: 'IMPORT' });
    expect(manifest.authenticatedData.subarray(HEADER_LENGTH).toString('utf8')).toBe(stored);
    const opened = await openManifest(manifest, m.code);
    expect(opened.dek.equals(m.dek)).toBe(true);
    opened.dek.dispose();
    m.dek.dispose();
  });
});
