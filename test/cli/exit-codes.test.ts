// The CLI's documented exit codes (docs/operations.md, "Errors and exit codes"): the table agrees
// with appliance/errors.ts, and the cases a script meets without a daemon produce their code, in
// text and, with --json, as one JSON object on stderr.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failUnlessCompleted } from '../../appliance/cli/import-command.js';
import { ERROR_TABLE, FloeError } from '../../appliance/errors.js';
import type { RunStatus } from '../../appliance/transfer/import-service.js';
import { floe } from '../support/daemon-process.js';
import { documentedExitTable, rowNames } from './documented-exit-codes.js';

let empty: string;
beforeAll(async () => {
  empty = await mkdtemp(join(tmpdir(), 'floe-not-a-device-'));
});
afterAll(async () => rm(empty, { recursive: true, force: true }));

describe('exit codes', () => {
  it('the documented table names every code of appliance/errors.ts with its exit code', async () => {
    const rows = await documentedExitTable();
    for (const [code, spec] of Object.entries(ERROR_TABLE)) {
      const row = rows.find((r) => rowNames(r, code));
      expect(row, `${code} is documented`).toBeDefined();
      expect(row!.exits, code).toContain(spec.exit);
    }
    expect(rows.find((r) => r.codes.includes('COMPLETED_WITH_ERRORS'))?.exits).toEqual([7]);
  });

  it('usage errors exit 2 as INVALID_ARGUMENT, in text and as JSON', async () => {
    const unknown = await floe(['status', '--bogus']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe("floe: unknown option '--bogus' (run `floe --help` for usage) [INVALID_ARGUMENT]\n");
    const missing = await floe(['unlock', '--json', '--data', empty]);
    expect(missing.status).toBe(2);
    expect(JSON.parse(missing.stderr)).toMatchObject({ code: 'INVALID_ARGUMENT', message: "required option '--manifest <file>' not specified (run `floe --help` for usage)" });
    expect((await floe([])).status).toBe(2);
    expect((await floe(['--version'])).status).toBe(0);
  });

  it('a folder that is no device is named as such (NOT_FOUND, 3), for status, describe and ui', async () => {
    const message = `${empty} is not a provisioned floe device (it has no device/lifecycle.json): give the device's data folder with --data or FLOE_DATA, or provision one with floe provision`;
    const status = await floe(['status', '--data', empty]);
    expect(status.status).toBe(3);
    expect(status.stderr).toBe(`floe: ${message} [NOT_FOUND]\n`);
    const described = await floe(['execution', 'describe', 'exec-nope', '--data', empty, '--json']);
    expect(described.status).toBe(3);
    expect(described.stdout).toBe('');
    expect(JSON.parse(described.stderr)).toEqual({ code: 'NOT_FOUND', message });
    const ui = await floe(['ui', '--data', empty]);
    expect(ui.status).toBe(3);
    expect(ui.stderr).toBe(`floe: ${message} [NOT_FOUND]\n`);
  });

  it('an import that completed with errors is COMPLETED_WITH_ERRORS (7), naming the files\' codes', () => {
    const run = {
      executionId: 'import-1',
      state: 'COMPLETED_WITH_ERRORS',
      startedAt: '2026-12-06T10:00:00.000Z',
      destinations: [
        { uri: 's3://b/p', status: 'ERROR', counters: {}, result: { ErrorCode: 'DESTINATION_NAME_INVALID' } },
        { uri: 'efs:///mnt/x', status: 'SUCCESS', counters: {}, result: {} },
      ],
    } as unknown as RunStatus;
    let error: unknown;
    try {
      failUnlessCompleted(run, 'import');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FloeError);
    expect((error as FloeError).code).toBe('COMPLETED_WITH_ERRORS');
    expect((error as FloeError).exitCode).toBe(7);
    expect((error as FloeError).message).toBe('import import-1: Completed with errors (DESTINATION_NAME_INVALID); floe report --out DIR lists them');
  });
});
