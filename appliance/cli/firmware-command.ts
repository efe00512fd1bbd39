// `floe firmware verify BUNDLE`: checks a signed firmware bundle (appliance/firmware) against the
// firmware key built into this binary. Local, like `floe provision`: no daemon needed.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { FloeError } from '../errors.js';
import { verifyFirmwareBundle } from '../firmware/firmware-bundle.js';
import { embeddedFirmwarePublicKey, parseFirmwarePublicKey } from '../firmware/firmware-key.js';

interface VerifyFlags {
  readonly publicKey?: string;
  readonly json?: boolean;
}

export function registerFirmwareCommand(program: Command): void {
  const firmware = program.command('firmware').description('firmware bundles: signed updates of the floe binary, its systemd units and default configuration');
  firmware
    .command('verify')
    .description('check a firmware bundle: the Ed25519 signature of SHA256SUMS, every file\'s SHA-256, and no file left unlisted; exits 50 (FIRMWARE_INVALID) with the reason otherwise')
    .argument('<bundle>', 'the bundle, floe-<version>-linux-x64.tar.gz')
    .option('--public-key <hex|file>', 'trust this Ed25519 public key (64 hex characters, or a file holding them) instead of the one built into this binary')
    .option('--json', 'print one JSON object instead of text')
    .action(async (bundle: string, flags: VerifyFlags) => {
      const publicKey = await trustedKey(flags.publicKey);
      const result = await verifyFirmwareBundle(bundle, publicKey);
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify({ valid: true, folder: result.folder, keyFingerprint: result.keyFingerprint, files: result.files })}\n`);
      } else {
        process.stdout.write(`firmware bundle ${result.folder}: valid, ${result.files.length} file${result.files.length === 1 ? '' : 's'}, signed by firmware key ${result.keyFingerprint}\n`);
      }
    });
}

async function trustedKey(option: string | undefined): Promise<Buffer> {
  if (option === undefined) {
    const embedded = embeddedFirmwarePublicKey();
    if (embedded === undefined) {
      throw new FloeError('INVALID_ARGUMENT', 'this floe was built without a firmware key (run from sources?): pass --public-key');
    }
    return embedded;
  }
  const direct = parseFirmwarePublicKey(option);
  if (direct !== undefined) return direct;
  let text: string;
  try {
    text = await readFile(option, 'utf8');
  } catch (err) {
    throw new FloeError('INVALID_ARGUMENT', `--public-key is neither 64 hex characters nor a readable file: ${option}`, { cause: err });
  }
  const fromFile = parseFirmwarePublicKey(text);
  if (fromFile === undefined) throw new FloeError('INVALID_ARGUMENT', `${option} does not hold a 64-hex-character Ed25519 public key`);
  return fromFile;
}
