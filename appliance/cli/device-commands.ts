// `floe status`, `unlock`, `lock`, `label`, `erase`: the shipping lifecycle, through the daemon.
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { FloeError } from '../errors.js';
import type { EraseRecord } from '../lifecycle/device.js';
import type { DeviceStatus, ShippingLabel } from '../lifecycle/lifecycle-state.js';
import { clientCommand, clientOf, fields, print, type ClientFlags } from './client-options.js';

export function statusLines(s: DeviceStatus): string[] {
  return fields([
    ['State', `${s.state} (${s.snowballJobState})`],
    ['Since', s.since],
    ['Job', s.jobId],
    ['Type', s.jobType],
    ['Device', s.deviceId],
    ['Keys', keysLine(s)],
    ['Seal', s.sealFingerprint],
    ['Unlock', s.unlockRetryAfterSeconds > 0 ? `delayed ${s.unlockRetryAfterSeconds} s after ${s.failedUnlockAttempts} wrong code(s)` : undefined],
  ]);
}

/** Whether keys are held, and the next step where there is one: an erased device has no job to unlock. */
function keysLine(s: DeviceStatus): string {
  if (s.state === 'ERASED') return 'none (erased: the job and its keys are gone; nothing to unlock)';
  return s.unlocked ? 'held (unlocked)' : 'none (unlock with the manifest and the code)';
}

function addressLine(address: Readonly<Record<string, unknown>> | undefined): string | undefined {
  return address === undefined ? undefined : Object.values(address).filter((v) => typeof v === 'string' && v !== '').join(', ');
}

/** The label follows the direction: an EXPORT device goes to the customer (Ship to) and back to the facility afterwards. */
export function labelLines(l: ShippingLabel): string[] {
  const outbound = l.jobType === 'EXPORT';
  return fields([
    ['Job', l.jobId],
    ['Type', outbound ? l.jobType : undefined],
    ['Device', l.deviceId],
    ['Ship to', outbound ? addressLine(l.shipTo) : undefined],
    ['From', outbound ? undefined : addressLine(l.shipFrom)],
    ['Return to', addressLine(l.returnAddress)],
    ['Seal', l.sealFingerprint],
    ['Sealed at', l.sealedAt],
  ]);
}

async function readManifest(path: string): Promise<string> {
  try {
    return (await readFile(path)).toString('base64');
  } catch (err) {
    throw new FloeError('MANIFEST_INVALID', `cannot read the manifest ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function registerDeviceCommands(program: Command): void {
  clientCommand(program.command('status').description("the device's lifecycle state, job and whether it holds keys")).action(async (flags: ClientFlags) => {
    const client = await clientOf(flags);
    print(flags, await client.get<DeviceStatus>('/v1/status'), statusLines);
  });

  clientCommand(
    program
      .command('unlock')
      .description('unlock with the job manifest and the unlock code (IMPORT: on site start ingest, at the facility check the seal first; EXPORT: at the facility start ingest, on site check the seal first)')
      .requiredOption('--manifest <file>', 'the <jobId>_manifest.bin file')
      .requiredOption('--code <code>', 'the 29-character unlock code'),
  ).action(async (flags: ClientFlags & { manifest: string; code: string }) => {
    const manifest = await readManifest(flags.manifest);
    const client = await clientOf(flags);
    print(flags, await client.post<DeviceStatus>('/v1/unlock', { manifest, code: flags.code }), statusLines);
  });

  clientCommand(
    program.command('lock').description('seal the journal, drop every key and show the shipping label').option('--cancel-running', 'cancel running executions instead of refusing'),
  ).action(async (flags: ClientFlags & { cancelRunning?: boolean }) => {
    const client = await clientOf(flags);
    print(flags, await client.post<ShippingLabel>('/v1/lock', { cancelRunning: flags.cancelRunning === true }), labelLines);
  });

  clientCommand(program.command('label').description('the shipping label of a locked device: job, return address, seal fingerprint')).action(async (flags: ClientFlags) => {
    const client = await clientOf(flags);
    print(flags, await client.get<ShippingLabel>('/v1/label'), labelLines);
  });

  clientCommand(
    program
      .command('erase')
      .description('cryptographic erase (NIST SP 800-88 purge) after import (EXPORT: after restore); asks for the job id unless --yes')
      .option('--force', 'erase even though the import (EXPORT: the restore) has not completed')
      .option('--yes', 'do not ask for confirmation (scripts; needed when stdin is not a terminal)'),
  ).action(async (flags: ClientFlags & { force?: boolean; yes?: boolean }) => {
    const client = await clientOf(flags);
    if (flags.yes !== true) await confirmErase(await client.get<DeviceStatus>('/v1/status'));
    print(flags, await client.post<EraseRecord>('/v1/erase', { force: flags.force === true }), (r) =>
      fields([
        ['Erased at', r.erasedAt],
        ['Job', r.jobId],
        ['Files overwritten', r.filesOverwritten],
        ['Bytes overwritten', r.bytesOverwritten],
        ['Forced', r.forced ? 'yes' : 'no'],
        ['Method', r.method],
      ]),
    );
  });
}

/** Erase destroys the keys and so every byte of the job: a person types the job id to go on. */
async function confirmErase(status: DeviceStatus): Promise<void> {
  if (!process.stdin.isTTY) throw new FloeError('INVALID_ARGUMENT', 'floe erase destroys every key and byte of the job and stdin is not a terminal to confirm it: add --yes');
  const job = status.jobId ?? 'erase';
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`This destroys the job's keys and with them every byte on the device (${status.state}). Type ${job} to erase: `);
    if (answer.trim() !== job) throw new FloeError('CANCELLED', 'erase not confirmed; nothing was erased');
  } finally {
    rl.close();
  }
}
