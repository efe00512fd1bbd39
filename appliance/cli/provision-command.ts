// `floe provision`: the station-side command that creates a job (provisioning/provision.ts).
// It runs where the device is prepared, not against a running daemon, so it calls the
// provisioning module directly rather than the API.
import type { Command } from 'commander';
import { provision, readJobSpecFile, withJobType, type ProvisionResult } from '../../provisioning/provision.js';

export const UNLOCK_CODE_WARNING =
  'This unlock code is shown once and never stored. Keep it apart from the manifest: anyone holding both can unlock the device and read its data.';

interface ProvisionFlags {
  readonly job: string;
  readonly data: string;
  readonly out: string;
  readonly jobType?: string;
  readonly json?: boolean;
}

export function registerProvisionCommand(program: Command): void {
  program
    .command('provision')
    .description('create a job: validate the job spec, write <jobId>_manifest.bin, initialise the device data directory, print the unlock code once')
    .requiredOption('--job <file>', 'job spec (JSON), see provisioning/examples/job.json (IMPORT) and export-job.json (EXPORT)')
    .requiredOption('--data <dir>', "the device's data directory (new or empty)")
    .requiredOption('--out <dir>', 'where to write the manifest (outside the data directory)')
    .option('--job-type <type>', "IMPORT or EXPORT (Snowball's job types), when the job spec leaves jobType out (it then means IMPORT)")
    .option('--json', 'print one JSON object instead of text')
    .action(async (flags: ProvisionFlags) => {
      const read = await readJobSpecFile(flags.job);
      const jobSpec = flags.jobType === undefined ? read : withJobType(read, flags.jobType);
      const result = await provision({ jobSpec, dataDir: flags.data, outDir: flags.out });
      process.stdout.write(flags.json === true ? `${JSON.stringify(provisionJson(result, flags.data))}\n` : provisionText(result));
    });
}

/** The `--json` output. Its keys and their order are stable. */
export function provisionJson(result: ProvisionResult, dataDir: string): Record<string, string> {
  return {
    jobId: result.jobId,
    deviceId: result.deviceId,
    unlockCode: result.unlockCode,
    manifestPath: result.manifestPath,
    dataDir,
    devicePublicKey: result.devicePublicKey,
    tlsCertificateFingerprint: result.tlsCertificateFingerprint,
    warning: UNLOCK_CODE_WARNING,
  };
}

export function provisionText(result: ProvisionResult): string {
  return [
    `Job:         ${result.jobId}`,
    `Job type:    ${result.jobType}`,
    `Device:      ${result.deviceId}`,
    `Manifest:    ${result.manifestPath}`,
    `TLS SHA-256: ${result.tlsCertificateFingerprint}`,
    '',
    `Unlock code: ${result.unlockCode}`,
    '',
    UNLOCK_CODE_WARNING,
    '',
  ].join('\n');
}
