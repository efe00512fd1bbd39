// What every client command shares: `--data DIR` (or FLOE_DATA), `--json`, and printing.
import type { Command } from 'commander';
import { FloeError } from '../errors.js';
import { ApiClient } from './api-client.js';

export interface ClientFlags {
  readonly data?: string;
  readonly json?: boolean;
}

/** Adds `--data` and `--json` to a client command. */
export function clientCommand(cmd: Command): Command {
  return cmd.option('--data <dir>', "the device's data folder (default: $FLOE_DATA)").option('--json', 'print one JSON object (stable keys) instead of text');
}

export function dataDirOf(flags: { data?: string }): string {
  const dir = flags.data ?? process.env.FLOE_DATA;
  if (dir === undefined || dir === '') throw new FloeError('INVALID_ARGUMENT', "say which device: --data DIR or FLOE_DATA=DIR");
  return dir;
}

export function clientOf(flags: ClientFlags): Promise<ApiClient> {
  return ApiClient.forDataDir(dataDirOf(flags));
}

/** Prints `value` as one JSON line with --json, else the text lines `text` makes of it. */
export function print<T>(flags: ClientFlags, value: T, text: (v: T) => string[]): void {
  process.stdout.write(flags.json === true ? `${JSON.stringify(value)}\n` : `${text(value).join('\n')}\n`);
}

/** Two-column `Label:  value` lines, skipping undefined values. */
export function fields(rows: ReadonlyArray<readonly [string, unknown]>): string[] {
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${`${k}:`.padEnd(width)}${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
}
