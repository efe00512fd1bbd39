// `floe firmware verify` run from sources (no key embedded): the trusted key comes from
// --public-key, as hex or a file; without one it says how to give it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SigningKey } from '../crypto/signing.js';
import { createFirmwareBundle } from '../firmware/firmware-bundle.js';
import { main } from './main.js';

const key = SigningKey.generate();
let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-firmware-cli-'));
  bundle = join(dir, 'floe-1.2.3-linux-x64.tar.gz');
  await writeFile(bundle, createFirmwareBundle('floe-1.2.3-linux-x64', [{ path: 'floe', mode: 0o755, data: Buffer.from('binary') }], key));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const code = await main(args);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

describe('floe firmware verify', () => {
  it('accepts a bundle signed by the key given as hex or as a file', async () => {
    const hex = key.publicKey.toString('hex');
    const byHex = await run(['firmware', 'verify', bundle, '--public-key', hex]);
    expect(byHex).toMatchObject({ code: 0, stderr: '' });
    expect(byHex.stdout).toMatch(/^firmware bundle floe-1\.2\.3-linux-x64: valid, 1 file, signed by firmware key [0-9a-f]{16}\n$/);
    await writeFile(join(dir, 'key.hex'), `${hex}\n`);
    expect((await run(['firmware', 'verify', bundle, '--public-key', join(dir, 'key.hex')])).code).toBe(0);
  });

  it('refuses under another key with FIRMWARE_INVALID and exit code 50', async () => {
    const r = await run(['firmware', 'verify', bundle, '--public-key', SigningKey.generate().publicKey.toString('hex')]);
    expect(r.code).toBe(50);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^floe: firmware bundle refused: SHA256SUMS\.sig does not match SHA256SUMS under the trusted firmware key [0-9a-f]{16} \[FIRMWARE_INVALID\]\n$/);
  });

  it('asks for --public-key when no key is built in, and rejects a key that is not one', async () => {
    const none = await run(['firmware', 'verify', bundle]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('built without a firmware key');
    const bad = await run(['firmware', 'verify', bundle, '--public-key', join(dir, 'absent.hex')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--public-key is neither 64 hex characters nor a readable file');
  });
});
