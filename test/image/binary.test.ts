// dist/floe itself (issue 8): it runs from an empty HOME with no node_modules in reach, and
// `floe firmware verify` accepts the bundle `make image` signs and refuses tampered copies.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTar, writeTar, type TarFile } from '../../appliance/firmware/tar.js';
import { FLOE_VERSION } from '../../appliance/version.js';
import { ensureImage } from './image-build.js';
import { binarySandbox, nodeModulesInReach, type Sandbox } from './sandbox.js';

let box: Sandbox;
let bundle: string;
beforeAll(async () => {
  const image = await ensureImage();
  bundle = image.bundle;
  box = await binarySandbox(image.binary);
}, 600_000);
afterAll(async () => {
  await box?.cleanup();
});

function untar(gz: Buffer): TarFile[] {
  return readTar(gunzipSync(gz));
}

describe('dist/floe', () => {
  it('prints its version from an empty HOME, a bare environment and no node_modules in reach', () => {
    expect(nodeModulesInReach(box.root)).toEqual([]);
    const r = box.run(['--version']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${FLOE_VERSION}\n`);
    expect(r.status).toBe(0);
  });

  it('verifies the firmware bundle make image signed, with the key built into it', () => {
    const r = box.run(['firmware', 'verify', bundle]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^firmware bundle floe-${FLOE_VERSION.replace(/\./g, '\\.')}-linux-x64: valid, 5 files, signed by firmware key [0-9a-f]{16}\\n$`));
    expect(r.status).toBe(0);
    const json = JSON.parse(box.run(['firmware', 'verify', bundle, '--json']).stdout) as { files: { path: string; size: number }[] };
    expect(json.files.map((f) => f.path)).toEqual(['floe', 'systemd/floe.service', 'systemd/floe-ui.service', 'config/floe.env', 'doc/operations.md']);
    expect(json.files[0]!.size).toBe(readFileSync(box.floe).length);
  });

  describe('refuses a tampered bundle with one line and exit code 50 (FIRMWARE_INVALID)', () => {
    let entries: TarFile[];
    beforeAll(() => {
      entries = untar(readFileSync(bundle));
    });

    async function verifyTampered(name: string, change: (files: TarFile[]) => TarFile[]): Promise<string> {
      const path = join(box.root, `${name}.tar.gz`);
      // Level 0 (stored) is valid gzip and costs little on two cores.
      await writeFile(path, gzipSync(writeTar(change(entries)), { level: 0 }));
      const r = box.run(['firmware', 'verify', path]);
      expect(r.stdout).toBe('');
      expect(r.status).toBe(50);
      expect(r.stderr).toMatch(/^floe: firmware bundle refused: [^\n]+ \[FIRMWARE_INVALID\]\n$/);
      return r.stderr;
    }

    const flip = (suffix: string, at: (length: number) => number) => (files: TarFile[]) =>
      files.map((f) => {
        if (!f.name.endsWith(suffix)) return f;
        const data = Buffer.from(f.data);
        const i = at(data.length);
        data[i] = data[i]! ^ 0x20;
        return { ...f, data };
      });

    it('one byte flipped in the binary', async () => {
      expect(await verifyTampered('binary', flip('/floe', (n) => n >> 1))).toContain('floe: SHA-256');
    });

    it('one byte flipped in a systemd unit', async () => {
      expect(await verifyTampered('unit', flip('/systemd/floe.service', (n) => n - 2))).toContain('systemd/floe.service: SHA-256');
    });

    it('one byte flipped in the signature', async () => {
      expect(await verifyTampered('signature', flip('/SHA256SUMS.sig', () => 10))).toMatch(/SHA256SUMS\.sig (does not match|is not one base64)/);
    });

    it('one byte flipped in SHA256SUMS', async () => {
      expect(await verifyTampered('sums', flip('/SHA256SUMS', () => 3))).toContain('SHA256SUMS.sig does not match SHA256SUMS');
    });

    it('a file SHA256SUMS does not list', async () => {
      const folder = entries[0]!.name.split('/')[0]!;
      const stderr = await verifyTampered('extra', (files) => [...files, { name: `${folder}/config/extra.env`, mode: 0o644, data: Buffer.from('FLOE_LISTEN=0.0.0.0:4780\n') }]);
      expect(stderr).toContain('config/extra.env is in the bundle but not listed in SHA256SUMS');
    });
  });
});
