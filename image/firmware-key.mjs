// The Ed25519 firmware key that signs firmware bundles (docs/operations.md, "Firmware").
//
// No private key is ever committed. `$FLOE_FIRMWARE_KEY` names a PKCS#8 PEM file holding the
// release key; without it, a development key is generated once in .tmp/ (git-ignored) and reused,
// so a development binary verifies only bundles made on the same checkout.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEVELOPMENT_KEY_PATH = join(root, '.tmp/firmware-key/development-firmware-key.pem');

/** @returns {Promise<{ path: string, source: string, privateKeyPem: string, publicKeyHex: string, seed: Buffer }>} */
export async function loadFirmwareKey() {
  const fromEnv = process.env.FLOE_FIRMWARE_KEY;
  const path = fromEnv && fromEnv.length > 0 ? fromEnv : DEVELOPMENT_KEY_PATH;
  let pem;
  try {
    pem = await readFile(path, 'utf8');
  } catch (err) {
    if (fromEnv || err?.code !== 'ENOENT') throw new Error(`cannot read the firmware key ${path}: ${err?.message ?? err}`);
    pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(path, pem, { mode: 0o600, flag: 'wx' }).catch(async (e) => {
      if (e?.code !== 'EEXIST') throw e;
      pem = await readFile(path, 'utf8'); // another build made it first
    });
    await chmod(path, 0o600);
  }
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is not an Ed25519 private key`);
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  return {
    path,
    source: fromEnv ? '$FLOE_FIRMWARE_KEY' : 'the development key in .tmp/firmware-key/',
    privateKeyPem: pem,
    publicKeyHex: Buffer.from(spki.subarray(spki.length - 32)).toString('hex'),
    seed: Buffer.from(pkcs8.subarray(pkcs8.length - 32)),
  };
}
