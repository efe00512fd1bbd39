import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningKey } from '../crypto/signing.js';
import { FloeError } from '../errors.js';
import { createFirmwareBundle, verifyFirmwareBundle, type BundleFile } from './firmware-bundle.js';
import { parseSha256Sums } from './sha256sums.js';
import { readTar, writeTar, type TarFile } from './tar.js';

const key = SigningKey.generate();
const FILES: BundleFile[] = [
  { path: 'floe', mode: 0o755, data: Buffer.from('#!/bin/sh\necho pretend binary\n'.repeat(40)) },
  { path: 'systemd/floe.service', mode: 0o644, data: Buffer.from('[Service]\nExecStart=/usr/local/bin/floe serve\n') },
  { path: 'systemd/floe-ui.service', mode: 0o644, data: Buffer.from('[Service]\nExecStart=/usr/local/bin/floe ui\n') },
  { path: 'config/floe.env', mode: 0o644, data: Buffer.from('FLOE_DATA=/var/lib/floe\n') },
];
const FOLDER = 'floe-9.9.9-linux-x64';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-firmware-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The tar entries of a gzip'd bundle. */
function entries(bundle: Buffer): TarFile[] {
  return readTar(gunzipSync(bundle));
}

let counter = 0;
async function write(bundle: Buffer): Promise<string> {
  const path = join(dir, `bundle-${counter++}.tar.gz`);
  await writeFile(path, bundle);
  return path;
}

async function refusal(bundle: Buffer, publicKey: Uint8Array = key.publicKey): Promise<FloeError> {
  const err = await verifyFirmwareBundle(await write(bundle), publicKey).then(
    () => new Error('the bundle was accepted'),
    (e: unknown) => e,
  );
  if (!(err instanceof FloeError)) throw err;
  expect(err.code).toBe('FIRMWARE_INVALID');
  expect(err.exitCode).toBe(50);
  expect(err.message).not.toContain('\n');
  return err;
}

describe('firmware bundles', () => {
  const good = createFirmwareBundle(FOLDER, FILES, key);

  it('accepts a bundle signed by the trusted key and lists its files with their hashes', async () => {
    const result = await verifyFirmwareBundle(await write(good), key.publicKey);
    expect(result.folder).toBe(FOLDER);
    expect(result.files.map((f) => [f.path, f.size])).toEqual(FILES.map((f) => [f.path, f.data.length]));
    const names = entries(good).map((e) => e.name);
    expect(names).toEqual([...FILES.map((f) => `${FOLDER}/${f.path}`), `${FOLDER}/SHA256SUMS`, `${FOLDER}/SHA256SUMS.sig`]);
  });

  it('writes SHA256SUMS in the format sha256sum -c reads', () => {
    const sums = entries(good).find((e) => e.name.endsWith('/SHA256SUMS'))!;
    const lines = parseSha256Sums(Buffer.from(sums.data).toString('utf8'));
    expect(Array.isArray(lines) && lines.map((l) => l.path)).toEqual(FILES.map((f) => f.path));
    expect(Buffer.from(sums.data).toString('utf8')).toMatch(/^[0-9a-f]{64} {2}floe\n/);
  });

  it('refuses a bundle signed by another key', async () => {
    const err = await refusal(good, SigningKey.generate().publicKey);
    expect(err.message).toMatch(/SHA256SUMS\.sig does not match SHA256SUMS under the trusted firmware key/);
  });

  // Every byte position class of every file: first, middle, last.
  const all = entries(good);
  for (const file of all) {
    for (const where of ['first', 'middle', 'last'] as const) {
      it(`refuses a bundle with one byte flipped in ${file.name.slice(FOLDER.length + 1)} (${where} byte)`, async () => {
        const tampered = all.map((e) => {
          if (e.name !== file.name) return e;
          const data = Buffer.from(e.data);
          const at = where === 'first' ? 0 : where === 'last' ? data.length - 1 : data.length >> 1;
          data[at] = data[at]! ^ 0x01;
          return { ...e, data };
        });
        const err = await refusal(gzipSync(writeTar(tampered)));
        const name = file.name.slice(FOLDER.length + 1);
        if (name === 'SHA256SUMS.sig') expect(err.message).toMatch(/SHA256SUMS\.sig (does not match|is not one base64)/);
        else if (name === 'SHA256SUMS') expect(err.message).toMatch(/SHA256SUMS\.sig does not match SHA256SUMS/);
        else expect(err.message).toContain(`${name}: SHA-256`);
      });
    }
  }

  it('refuses a file that SHA256SUMS does not list', async () => {
    const extra = [...all, { name: `${FOLDER}/systemd/backdoor.service`, mode: 0o644, data: Buffer.from('[Service]\n') }];
    const err = await refusal(gzipSync(writeTar(extra)));
    expect(err.message).toBe('firmware bundle refused: systemd/backdoor.service is in the bundle but not listed in SHA256SUMS');
  });

  it('refuses a bundle missing a listed file, SHA256SUMS or its signature', async () => {
    expect((await refusal(gzipSync(writeTar(all.filter((e) => !e.name.endsWith('/config/floe.env')))))).message).toContain(
      'config/floe.env is listed in SHA256SUMS but not in the bundle',
    );
    expect((await refusal(gzipSync(writeTar(all.filter((e) => !e.name.endsWith('/SHA256SUMS.sig')))))).message).toContain('has no SHA256SUMS.sig');
    expect((await refusal(gzipSync(writeTar(all.filter((e) => !e.name.endsWith('/SHA256SUMS')))))).message).toContain('has no SHA256SUMS');
  });

  it('refuses a second copy of a file and paths outside the bundle folder', async () => {
    expect((await refusal(gzipSync(writeTar([...all, all[1]!])))).message).toContain('holds systemd/floe.service twice');
    expect((await refusal(gzipSync(writeTar([...all, { name: 'other/floe', mode: 0o755, data: Buffer.from('x') }])))).message).toContain('more than one top folder');
    expect((await refusal(gzipSync(writeTar([...all, { name: `${FOLDER}/../floe`, mode: 0o755, data: Buffer.from('x') }])))).message).toContain('unsafe path');
  });

  it('refuses a damaged archive: a flipped byte in the gzip stream, a truncated file, not a bundle at all', async () => {
    const flipped = Buffer.from(good);
    flipped[flipped.length >> 1] = flipped[flipped.length >> 1]! ^ 0x01;
    expect((await refusal(flipped)).message).toContain('the bundle is damaged');
    expect((await refusal(good.subarray(0, good.length - 100))).message).toContain('the bundle is damaged');
    expect((await refusal(Buffer.from('not a bundle'))).message).toContain('the bundle is damaged');
    const tarBytes = gunzipSync(good);
    tarBytes[100] = tarBytes[100]! ^ 0x01; // inside the first header's mode field
    expect((await refusal(gzipSync(tarBytes))).message).toContain('checksum does not match');
  });

  it('names a missing bundle file', async () => {
    const err = await verifyFirmwareBundle(join(dir, 'absent.tar.gz'), key.publicKey).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FloeError);
    expect((err as FloeError).message).toMatch(/cannot read .*absent\.tar\.gz/);
  });
});
