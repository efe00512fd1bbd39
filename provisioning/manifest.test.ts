import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256 } from '../appliance/crypto/hash.js';
import { KeyRing } from '../appliance/crypto/key-ring.js';
import { SigningKey } from '../appliance/crypto/signing.js';
import { canonicalJson, type CanonicalValue } from './canonical-json.js';
import { newDeviceId, newJobId } from './job-ids.js';
import { parseJobSpec } from './job-spec.js';
import { manifestConfigFromSpec, type ManifestConfig } from './manifest-config.js';
import { HEADER_LENGTH, MANIFEST_MAGIC, WRONG_CODE_MESSAGE, encodeManifest, openManifest, readManifest, writeManifest } from './manifest.js';
import { generateUnlockCode } from './unlock-code.js';
import { errorOf, rejectionOf } from '../test/support/error-of.js';

const FAST = { name: 'scrypt', N: 1 << 10, r: 8, p: 1 } as const;
const spec = parseJobSpec(JSON.parse(readFileSync(new URL('./examples/job.json', import.meta.url), 'utf8')));

async function fixture() {
  const dek = KeyRing.generateDataKey();
  const deviceKey = SigningKey.generate();
  const config: ManifestConfig = manifestConfigFromSpec(spec, {
    jobId: newJobId(),
    deviceId: newDeviceId(),
    devicePublicKey: deviceKey.publicKey.toString('hex'),
    tlsCertificateFingerprint: 'ab'.repeat(32),
    createdAt: '2025-03-04T05:06:07.890Z',
    kdf: FAST,
  });
  const code = generateUnlockCode();
  const dekBytes = dek.exportBytes();
  const seed = deviceKey.exportSeed();
  const bytes = await encodeManifest(config, { dek, deviceKey }, code);
  return { config, code, dekBytes, seed, bytes };
}

/** Recomputes the trailing SHA-256, as someone changing the file on purpose would. */
function rechecksum(bytes: Buffer): Buffer {
  const body = bytes.subarray(0, bytes.length - 32);
  return Buffer.concat([body, sha256(body)]);
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('manifest', () => {
  it('reads back the public part without the code and opens with it; DEK and seed round-trip', async () => {
    const f = await fixture();
    expect(f.bytes.subarray(0, 8)).toEqual(MANIFEST_MAGIC);
    const manifest = readManifest(f.bytes);
    expect(manifest.formatVersion).toBe(1);
    expect(manifest.jobId).toBe(f.config.jobId);
    expect(manifest.deviceId).toBe(f.config.deviceId);
    expect(manifest.config).toEqual(f.config);
    // The configuration is readable as canonical JSON: sorted keys, no whitespace.
    const text = f.bytes.subarray(HEADER_LENGTH, HEADER_LENGTH + f.bytes.readUInt32LE(12)).toString('utf8');
    expect(text).toBe(canonicalJson(f.config as unknown as CanonicalValue));
    expect(text.startsWith('{"createdAt":"2025-03-04T05:06:07.890Z","description":')).toBe(true);

    const opened = await openManifest(manifest, f.code);
    expect(opened.dek.bytes).toEqual(f.dekBytes);
    expect(opened.deviceKey.exportSeed()).toEqual(f.seed);
    expect(opened.deviceKey.publicKey.toString('hex')).toBe(f.config.devicePublicKey);
    // The code may be typed loosely.
    const again = await openManifest(manifest, f.code.toLowerCase().replaceAll('-', ''));
    expect(again.dek.equals(opened.dek)).toBe(true);
    opened.dek.dispose();
    again.dek.dispose();
  });

  it('holds neither the DEK nor the seed nor the code in clear', async () => {
    const f = await fixture();
    expect(f.bytes.includes(f.dekBytes)).toBe(false);
    expect(f.bytes.includes(f.seed)).toBe(false);
    expect(f.bytes.includes(Buffer.from(f.code))).toBe(false);
    expect(f.bytes.includes(Buffer.from(f.code.replaceAll('-', '')))).toBe(false);
  });

  it('a wrong code is WRONG_UNLOCK_CODE with the message that says it may also be a changed manifest', async () => {
    const f = await fixture();
    let wrong = generateUnlockCode();
    while (wrong === f.code) wrong = generateUnlockCode();
    const err = await rejectionOf(openManifest(readManifest(f.bytes), wrong));
    expect(err.code).toBe('WRONG_UNLOCK_CODE');
    expect(err.message).toBe(WRONG_CODE_MESSAGE);
    expect(err.message).toBe('unlock code does not open this manifest (wrong code, or the manifest was changed)');
    const malformed = await rejectionOf(openManifest(readManifest(f.bytes), 'nope'));
    expect(malformed.code).toBe('INVALID_ARGUMENT');
  });

  it('any single changed byte is MANIFEST_INVALID (checksum), never success', async () => {
    const f = await fixture();
    for (let i = 0; i < f.bytes.length; i++) {
      const bad = Buffer.from(f.bytes);
      bad[i]! ^= 0x01;
      const err = errorOf(() => readManifest(bad));
      expect(err.code, `byte ${i}`).toBe('MANIFEST_INVALID');
    }
  });

  it('any single changed byte with the checksum recomputed is MANIFEST_INVALID or WRONG_UNLOCK_CODE, never success', async () => {
    const f = await fixture();
    const outcomes = { MANIFEST_INVALID: 0, WRONG_UNLOCK_CODE: 0 } as Record<string, number>;
    const bodyLength = f.bytes.length - 32;
    for (let i = 0; i < bodyLength; i++) {
      for (const flip of [0x01, 0x80]) {
        const bad = Buffer.from(f.bytes);
        bad[i]! ^= flip;
        const err = await rejectionOf((async () => openManifest(readManifest(rechecksum(bad)), f.code))());
        expect(['MANIFEST_INVALID', 'WRONG_UNLOCK_CODE'], `byte ${i} ^ ${flip}`).toContain(err.code);
        outcomes[err.code] = (outcomes[err.code] ?? 0) + 1;
      }
    }
    // Both layers are exercised: structure checks and the AEAD.
    expect(outcomes.MANIFEST_INVALID).toBeGreaterThan(0);
    expect(outcomes.WRONG_UNLOCK_CODE).toBeGreaterThan(200);
  });

  it('a changed field that still parses is caught by the AEAD: WRONG_UNLOCK_CODE', async () => {
    const f = await fixture();
    const changed = Buffer.from(f.bytes.toString('latin1').replace('"city":"Seattle"', '"city":"Tacoma!"'), 'latin1');
    expect(changed.length).toBe(f.bytes.length);
    const manifest = readManifest(rechecksum(changed));
    expect(manifest.config.returnAddress.city).toBe('Tacoma!');
    const err = await rejectionOf(openManifest(manifest, f.code));
    expect(err.code).toBe('WRONG_UNLOCK_CODE');
  });

  const garbled: Array<[string, (b: Buffer) => Buffer, string]> = [
    ['empty file', () => Buffer.alloc(0), 'manifest: 0 bytes is too short to be a floe manifest'],
    ['another file', () => Buffer.from('{"jobId":"JID..."} and some more bytes'), 'manifest: not a floe manifest (the file does not begin with "FLOEMNF")'],
    ['a later version', (b) => { const c = Buffer.from(b); c.writeUInt16LE(2, 8); return c; }, 'manifest: manifest format version 2 is not supported (this floe reads version 1)'],
    ['truncated', (b) => b.subarray(0, 1000), 'manifest: the file is truncated: 1000 bytes, expected '],
    ['trailing bytes', (b) => Buffer.concat([b, Buffer.from('x')]), 'manifest: the file has 1 unexpected bytes at the end'],
    ['damaged', (b) => { const c = Buffer.from(b); c[40]! ^= 0xff; return c; }, 'manifest: checksum mismatch: the file is damaged (copy it again from where it was made)'],
    ['an invalid field', (b) => rechecksum(Buffer.from(b.toString('latin1').replace('"country":"US"', '"country":"XX"'), 'latin1')), 'manifest: configuration returnAddress.country: "XX" is not an ISO 3166-1 alpha-2 country code (like US, DE, JP)'],
    ['not JSON', (b) => rechecksum(Buffer.from(b.toString('latin1').replace('{"', '["'), 'latin1')), 'manifest: the configuration is not valid UTF-8 JSON'],
  ];
  it.each(garbled)('a garbled file (%s) is MANIFEST_INVALID saying what is wrong', async (_name, garble, message) => {
    const f = await fixture();
    const err = errorOf(() => readManifest(garble(f.bytes)));
    expect(err.code).toBe('MANIFEST_INVALID');
    if (message.endsWith(' ')) expect(err.message.startsWith(message)).toBe(true);
    else expect(err.message).toBe(message);
  });

  it('refuses a configuration that is valid JSON but not canonical', async () => {
    const f = await fixture();
    // Same length and still valid JSON, but not floe's encoding (a space after the colon).
    const changed = Buffer.from(f.bytes.toString('latin1').replace('"city":"Seattle"', '"city": "Seattl"'), 'latin1');
    expect(changed.length).toBe(f.bytes.length);
    const err = errorOf(() => readManifest(rechecksum(changed)));
    expect(err.message).toBe('manifest: the configuration is not in canonical form');
  });

  it('refuses a manifest whose scrypt cost would exhaust memory, before deriving anything', async () => {
    const f = await fixture();
    const changed = Buffer.from(f.bytes.toString('latin1').replace('"N":1024', '"N":4194304'), 'latin1');
    // The length changed: fix the header's config length and the checksum as an attacker would.
    changed.writeUInt32LE(f.bytes.readUInt32LE(12) + 3, 12);
    const err = errorOf(() => readManifest(rechecksum(changed)));
    expect(err.code).toBe('MANIFEST_INVALID');
    expect(err.message).toBe('manifest: configuration kdf.N: must be a power of two from 2^10 to 2^20, got 4194304');
  });

  it('manifests of two jobs differ in jobId and deviceId; one code does not open the other', async () => {
    const a = await fixture();
    const b = await fixture();
    const ma = readManifest(a.bytes);
    const mb = readManifest(b.bytes);
    expect(ma.jobId).not.toBe(mb.jobId);
    expect(ma.deviceId).not.toBe(mb.deviceId);
    expect(ma.jobId).toMatch(/^JID[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(ma.deviceId).toMatch(/^DEV[0-9a-f]{24}$/);
    expect((await rejectionOf(openManifest(mb, a.code))).code).toBe('WRONG_UNLOCK_CODE');
  });

  it('writes <jobId>_manifest.bin, never over an existing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-manifest-'));
    dirs.push(dir);
    const dek = KeyRing.generateDataKey();
    const deviceKey = SigningKey.generate();
    const config = manifestConfigFromSpec(spec, {
      jobId: newJobId(),
      deviceId: newDeviceId(),
      devicePublicKey: deviceKey.publicKey.toString('hex'),
      tlsCertificateFingerprint: 'cd'.repeat(32),
      createdAt: new Date().toISOString(),
      kdf: FAST,
    });
    const code = generateUnlockCode();
    const path = await writeManifest(dir, config, { dek, deviceKey }, code);
    expect(path).toBe(join(dir, `${config.jobId}_manifest.bin`));
    const opened = await openManifest(readManifest(await readFile(path)), code);
    expect(opened.dek.equals(dek)).toBe(true);
    const err = await rejectionOf(writeManifest(dir, config, { dek, deviceKey }, code));
    expect(err.code).toBe('CONFLICT');
  });
});
