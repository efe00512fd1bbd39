// Against `floe serve` as a process (test/support/daemon-process.ts): the event stream carries an
// ingest's progress about once a second and resumes after a reconnect without losing an event;
// /metrics parses and its counters are those `floe execution describe` prints; and a smaller
// fuzz run over real HTTP leaves the daemon up and its state unchanged.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floe, floeJson, provisionDevice, startDaemonProcess, type DaemonProcess, type ProvisionedDevice } from '../support/daemon-process.js';
import { RequestFuzzer, routesOf, type RouteInfo } from './fuzz-requests.js';
import { SseStream } from './sse-client.js';
import { rawRequest } from './raw-request.js';
import { checkAnswer } from './fuzz-check.js';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { formatBytes } from '../../appliance/format/units.js';

let dev: ProvisionedDevice;
let daemon: DaemonProcess;
let token: string;
beforeAll(async () => {
  dev = await provisionDevice(undefined, 'floe-api-proc-');
  daemon = await startDaemonProcess(dev.dataDir);
  token = (await readFile(join(dev.dataDir, 'device', 'api-token'), 'utf8')).trim();
  const unlocked = await floe(['unlock', '--data', dev.dataDir, '--manifest', dev.manifestPath, '--code', dev.code]);
  expect(unlocked.status, unlocked.stderr).toBe(0);
});
afterAll(async () => {
  await daemon?.kill('SIGTERM');
  await dev?.cleanup();
});

describe('floe hardware', () => {
  it('prints the health snapshot the API serves, as text and as JSON', async () => {
    const json = await floeJson<{ hostname: string; dataDisk: { capacityBytes: number; availableBytes: number } | null; missing: unknown[] }>(['hardware', '--data', dev.dataDir]);
    expect(json.hostname).toBe(hostname());
    const text = await floe(['hardware', '--data', dev.dataDir]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^Host: +${json.hostname}, up `, 'm'));
    if (json.dataDisk !== null) {
      const { capacityBytes: c, availableBytes: a } = json.dataDisk;
      expect(text.stdout.replace(/: +/g, ': ')).toContain(`Data disk: ${formatBytes(c - a)} of ${formatBytes(c)} used (${Math.floor(((c - a) / c) * 100)}%)`);
    }
  });
});

interface Execution {
  TaskExecutionId: string;
  Status: string;
  FilesTransferred: number;
  BytesWritten: number;
  BytesTransferred: number;
  FilesSkipped: number;
  FilesVerified: number;
  FilesFailed: { Prepare: number; Transfer: number; Verify: number; Delete: number };
  EstimatedFilesToTransfer: number;
}

describe('floe serve as a process', () => {
  it('streams execution progress about once a second during an ingest, and a reconnect with Last-Event-ID loses nothing', async () => {
    const share = join(dev.root, 'share');
    await mkdir(share, { recursive: true });
    for (let i = 0; i < 12; i++) await writeFile(join(share, `file-${i}.bin`), Buffer.alloc(512 * 1024, i));
    const task = await daemon.client.post<{ TaskId: string }>('/v1/tasks', { Name: 'sse-share', SourceLocationUri: `file://${share}`, Options: { BytesPerSecond: 1024 * 1024 } });

    const first = await SseStream.open(daemon.client);
    const started = await daemon.client.post<Execution>(`/v1/tasks/${task.TaskId}/executions`, {});
    const id = started.TaskExecutionId;
    const progressOf = (s: SseStream) => s.messages.filter((m) => m.event === 'execution.progress' && m.data.data.TaskExecutionId === id);
    await first.until(() => progressOf(first).length >= 2, 30_000);
    const lastSeen = first.ids.at(-1)!;
    first.close();
    await new Promise((r) => setTimeout(r, 2500)); // events published while nobody listens

    const second = await SseStream.open(daemon.client, lastSeen);
    await second.until((m) => m.some((e) => e.event === 'execution.status' && e.data.data.TaskExecutionId === id && ['SUCCESS', 'ERROR'].includes(e.data.data.Status as string)), 60_000);
    second.close();

    // Nothing lost, nothing repeated: the ids of both connections run on without a gap.
    const ids = [...first.ids, ...second.ids];
    expect(second.ids[0]).toBe(lastSeen + 1);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, k) => ids[0]! + k));
    const progress = [...progressOf(first), ...progressOf(second)];
    expect(progress.length).toBeGreaterThanOrEqual(4);
    const times = progress.map((p) => Date.parse(p.data.at!));
    const gaps = times.slice(1).map((t, k) => t - times[k]!);
    const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
    expect(median).toBeGreaterThan(700);
    expect(median).toBeLessThan(1500);
    const bytes = progress.map((p) => p.data.data.BytesTransferred as number);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(bytes.at(-1)).toBeGreaterThan(0);
    const final = second.messages.find((e) => e.event === 'execution.status' && e.data.data.Status === 'SUCCESS');
    expect(final, JSON.stringify(second.messages.slice(-3))).toBeDefined();
  });

  // Reads the execution the test above ran (the files run in order within this file).
  it('/metrics parses with a Prometheus parser and its counters are those `floe execution describe` prints', async () => {
    const executions = await daemon.client.get<{ TaskExecutions: Execution[] }>('/v1/executions');
    expect(executions.TaskExecutions.length).toBeGreaterThan(0);
    const res = await rawRequest(daemon.url, { method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const families = parsePrometheusTextFormat(res.body);
    const value = (name: string, labels: Record<string, string>) =>
      Number(families.find((f) => f.name === name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value);
    let sums = { files: 0, bytes: 0 };
    for (const e of executions.TaskExecutions) {
      const described = await floeJson<Execution>(['execution', 'describe', e.TaskExecutionId, '--data', dev.dataDir]);
      expect(described.Status).toBe('SUCCESS');
      expect(described.FilesTransferred).toBe(12);
      const labels = { execution: e.TaskExecutionId };
      expect(value('floe_execution_files_transferred_total', labels)).toBe(described.FilesTransferred);
      expect(value('floe_execution_bytes_written_total', labels)).toBe(described.BytesWritten);
      expect(value('floe_execution_bytes_transferred_total', labels)).toBe(described.BytesTransferred);
      expect(value('floe_execution_files_skipped_total', labels)).toBe(described.FilesSkipped);
      expect(value('floe_execution_files_verified_total', labels)).toBe(described.FilesVerified);
      expect(value('floe_execution_estimated_files_to_transfer', labels)).toBe(described.EstimatedFilesToTransfer);
      for (const phase of ['Prepare', 'Transfer', 'Verify', 'Delete'] as const) {
        expect(value('floe_execution_files_failed_total', { ...labels, phase: phase.toLowerCase() })).toBe(described.FilesFailed[phase]);
      }
      expect(value('floe_execution_status', { ...labels, status: 'SUCCESS' })).toBe(1);
      sums = { files: sums.files + described.FilesTransferred, bytes: sums.bytes + described.BytesWritten };
    }
    expect(value('floe_ingest_files_transferred_total', {})).toBe(sums.files);
    expect(value('floe_ingest_bytes_written_total', {})).toBe(sums.bytes);
    const stats = await floeJson<{ storedBytes: number; dedupRatio: number }>(['journal', 'stats', '--data', dev.dataDir]);
    expect(value('floe_journal_stored_bytes', {})).toBe(stats.storedBytes);
    expect(value('floe_journal_dedup_ratio', {})).toBe(stats.dedupRatio);
  });

  it('HEAD /v1/events answers the stream\'s headers and ends, with or without Last-Event-ID', async () => {
    const variants: Array<Record<string, string>> = [{}, { 'last-event-id': '3' }, { 'last-event-id': 'NaN' }];
    for (const headers of variants) {
      const res = await rawRequest(daemon.url, { method: 'HEAD', url: '/v1/events', headers: { authorization: `Bearer ${token}`, ...headers } });
      expect(res.status).toBe(200);
      expect(res.contentType).toBe('text/event-stream; charset=utf-8');
      expect(res.body).toBe('');
    }
  });

  it('1,000 random requests over HTTP (event streams included): no 5xx, the daemon stays up, state unchanged', async () => {
    const routes: RouteInfo[] = routesOf(JSON.parse((await rawRequest(daemon.url, { method: 'GET', url: '/openapi.json', headers: {} })).body));
    const state = async () => ({
      status: await daemon.client.get<Record<string, unknown>>('/v1/status').then(({ unlockRetryAfterSeconds: _a, failedUnlockAttempts: _b, ...s }) => s),
      tasks: await daemon.client.get('/v1/tasks'),
      executions: await daemon.client.get('/v1/executions'),
      journal: await daemon.client.get('/v1/journal/stats'),
    });
    const before = await state();
    const fuzzer = new RequestFuzzer(424242, routes, token, 'ab'.repeat(32));
    const failures: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const req = fuzzer.next();
      const res = await rawRequest(daemon.url, { method: req.method, url: req.url, headers: req.headers, ...(req.payload === undefined ? {} : { payload: req.payload }) }).catch((err: Error) => { throw new Error(`#${i} ${req.method} ${req.url} ${JSON.stringify(req.headers)} ${String(req.payload).slice(0, 100)} (${req.payload?.length}): ${err.message}`); });
      const failure = checkAnswer(routes, req, res.status, res.body, res.contentType);
      if (failure) failures.push(`#${i}: ${failure}`);
    }
    expect(failures.slice(0, 20)).toEqual([]);
    expect(daemon.child.exitCode).toBeNull();
    expect(await state()).toEqual(before);
  });
});
