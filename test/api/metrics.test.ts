// GET /metrics: Prometheus text format that a real parser reads; token-protected; the journal and
// hardware numbers are the ones the journal and the device routes answer.
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectMetrics, LABELLED_EXECUTIONS, type ExecutionView } from '../../appliance/api/metrics/metrics-collector.js';
import { formatPrometheus } from '../../appliance/api/metrics/prometheus-text.js';
import { ThroughputSampler } from '../../appliance/api/metrics/throughput-sampler.js';
import { EventLog } from '../../appliance/daemon/event-log.js';
import type { DeviceStatus } from '../../appliance/lifecycle/lifecycle-state.js';
import { createExecutionCounters } from '../../appliance/tasks/execution-status.js';
import { inProcessApi, type InProcessApi } from './api-fixture.js';

let api: InProcessApi;
beforeAll(async () => {
  api = await inProcessApi();
});
afterAll(async () => api.close());

async function scrape(): Promise<ParsedFamily[]> {
  const res = await api.app.inject({ method: 'GET', url: '/metrics', headers: api.auth });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusTextFormat(res.body);
}

/** Runs an ingest execution of a small share, then an online sync of the journal to a folder. */
async function ingestAndSync(a: InProcessApi): Promise<{ executionId: string; syncExecutionId: string }> {
  const client = a.client();
  await client.post('/v1/unlock', { manifest: a.device.manifest.toString('base64'), code: a.device.code });
  const share = join(a.device.root, 'share');
  await mkdir(share, { recursive: true });
  for (let i = 0; i < 4; i++) await writeFile(join(share, `f${i}.txt`), `file ${i}\n`.repeat(1000));
  const task = await client.post<{ TaskId: string }>('/v1/tasks', { Name: 'to-sync', SourceLocationUri: `file://${share}` });
  const e = await client.post<{ TaskExecutionId: string }>(`/v1/tasks/${task.TaskId}/executions`, {});
  await a.context.tasks.waitExecution(e.TaskExecutionId);
  const target = join(a.device.root, 'efs-target');
  await mkdir(target);
  await client.post('/v1/sync', { destinations: [`efs://${target}`] });
  await a.context.sync.wait();
  const sync = await client.get<{ last?: { executionId: string } }>('/v1/sync');
  return { executionId: e.TaskExecutionId, syncExecutionId: sync.last!.executionId };
}

function value(families: readonly ParsedFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const family = families.find((f) => f.name === name);
  const metric = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return metric?.value === undefined ? undefined : Number(metric.value);
}

describe('GET /metrics', () => {
  it('needs the token', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('parses, with the lifecycle state, disks, and no journal numbers while the device holds no key', async () => {
    await api.context.hardware.snapshot();
    const families = await scrape();
    expect(value(families, 'floe_lifecycle_state', { state: 'PROVISIONED' })).toBe(1);
    expect(value(families, 'floe_lifecycle_state', { state: 'ON_SITE' })).toBe(0);
    expect(value(families, 'floe_device_unlocked')).toBe(0);
    expect(families.find((f) => f.name === 'floe_journal_stored_bytes')).toBeUndefined();
    const hw = await api.context.hardware.snapshot();
    expect(value(families, 'floe_data_disk_free_bytes')).toBe(hw.dataDisk?.availableBytes);
    for (const d of hw.disks) expect(value(families, 'floe_disk_free_bytes', { mount: d.mount })).toBe(d.availableBytes);
    expect(families.find((f) => f.name === 'floe_disk_free_bytes')?.type).toBe('GAUGE');
    if (hw.temperatures === null) expect(value(families, 'floe_hardware_probe_missing', { probe: 'temperatures' })).toBe(1);
  });

  it('reports the journal size and dedup ratio that /v1/journal/stats answers, once unlocked', async () => {
    const client = api.client();
    await client.post('/v1/unlock', { manifest: api.device.manifest.toString('base64'), code: api.device.code });
    const journal = api.context.device.journal();
    const data = Buffer.alloc(300_000, 7);
    for (const name of ['a', 'b']) {
      await journal.writeFile(
        { path: Buffer.from(`share/${name}`), type: 'file', mode: 0o644, uid: 1, gid: 1, size: data.length, atimeNs: 1n, mtimeNs: 2n, ctimeNs: 3n, fsId: 1n, fileId: 1n, nlink: 1, rdevMajor: 0, rdevMinor: 0 },
        (async function* () {
          yield data;
        })(),
      );
    }
    const stats = await client.get<{ storedBytes: number; dedupRatio: number; files: number; logicalBytes: number }>('/v1/journal/stats');
    expect(stats.dedupRatio).toBeGreaterThan(1.9);
    const families = await scrape();
    expect(value(families, 'floe_device_unlocked')).toBe(1);
    expect(value(families, 'floe_journal_stored_bytes')).toBe(stats.storedBytes);
    expect(value(families, 'floe_journal_dedup_ratio')).toBe(stats.dedupRatio);
    expect(value(families, 'floe_journal_files')).toBe(stats.files);
    expect(value(families, 'floe_journal_logical_bytes')).toBe(stats.logicalBytes);
  });
});

describe('GET /metrics for transfers', () => {
  it('reports an online sync per destination with the counters GET /v1/sync answers', async () => {
    const a = await inProcessApi();
    try {
      await ingestAndSync(a);
      const client = a.client();
      const sync = await client.get<{ last?: { executionId: string; destinations: Array<{ uri: string; counters: Record<string, number> }> } }>('/v1/sync');
      const run = sync.last!;
      const counters = run.destinations[0]!.counters;
      expect(counters.FilesTransferred).toBeGreaterThanOrEqual(4);
      const res = await a.app.inject({ method: 'GET', url: '/metrics', headers: a.auth });
      const families = parsePrometheusTextFormat(res.body);
      const labels = { kind: 'sync', execution: run.executionId, destination: run.destinations[0]!.uri };
      expect(value(families, 'floe_transfer_files_transferred_total', labels)).toBe(counters.FilesTransferred);
      expect(value(families, 'floe_transfer_bytes_written_total', labels)).toBe(counters.BytesWritten);
      expect(value(families, 'floe_transfer_files_verified_total', labels)).toBe(counters.FilesVerified);
      expect(value(families, 'floe_transfer_files_skipped_total', labels)).toBe(counters.FilesSkipped);
    } finally {
      await a.close();
    }
  });
});

describe('promtool check metrics', () => {
  it('finds no problem in a scrape with an ingest execution, a sync run and the event-loop summary', async () => {
    const a = await inProcessApi();
    try {
      const { executionId, syncExecutionId } = await ingestAndSync(a);
      await a.context.hardware.snapshot();
      const res = await a.app.inject({ method: 'GET', url: '/metrics', headers: a.auth });
      expect(res.statusCode).toBe(200);
      // The per-execution families are in the scrape, so promtool sees them.
      expect(res.body).toContain(`floe_execution_files_transferred_total{execution="${executionId}"`);
      expect(res.body).toContain(`execution="${syncExecutionId}"`);
      expect(res.body).toContain('# TYPE floe_event_loop_delay_seconds summary');
      expect(res.body).toContain('# TYPE floe_journal_stored_bytes gauge');
      expect(res.body).toContain('# TYPE floe_disk_free_bytes gauge');
      const check = spawnSync('promtool', ['check', 'metrics'], { input: res.body, encoding: 'utf8' });
      expect(check.error, "promtool is missing: install Debian's prometheus package (test/harness/install-system-deps.sh)").toBeUndefined();
      expect({ status: check.status, problems: `${check.stdout}${check.stderr}` }).toEqual({ status: 0, problems: '' });
    } finally {
      await a.close();
    }
  });
});

describe('per-execution series', () => {
  it(`are kept for the unfinished executions and the latest finished ones, ${LABELLED_EXECUTIONS} in all; the floe_ingest_* totals sum every execution`, async () => {
    const execution = (i: number, Status: string): ExecutionView => ({
      ...createExecutionCounters(),
      TaskExecutionId: `exec-${String(i).padStart(2, '0')}`,
      TaskId: 'task-1',
      Status,
      StartTime: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
      FilesTransferred: 10 + i,
      BytesWritten: 1000 * i,
      FileProblems: [],
      FileProblemCount: 1,
    });
    // The oldest is still running (it was queued first); fourteen finished after it started.
    const all = [execution(0, 'TRANSFERRING'), ...Array.from({ length: 14 }, (_, i) => execution(i + 1, i % 3 === 0 ? 'ERROR' : 'SUCCESS'))];
    const events = new EventLog();
    const throughput = new ThroughputSampler(events);
    try {
      const status = { state: 'ON_SITE', failedUnlockAttempts: 0 } as unknown as DeviceStatus;
      const device = { status: () => status, unlocked: true, journalStats: () => Promise.reject(new Error('not in this test')) };
      const text = formatPrometheus(await collectMetrics({ device, hardware: { last: undefined }, events, throughput, executions: async () => all }));
      const families = parsePrometheusTextFormat(text);
      const labelled = families.find((f) => f.name === 'floe_execution_files_transferred_total')?.metrics.map((m) => m.labels?.execution);
      expect(labelled).toEqual(['exec-00', ...[6, 7, 8, 9, 10, 11, 12, 13, 14].map((i) => `exec-${String(i).padStart(2, '0')}`)]);
      for (const name of ['floe_execution_status', 'floe_execution_file_problems_total', 'floe_execution_estimated_files_to_transfer']) {
        expect(new Set(families.find((f) => f.name === name)?.metrics.map((m) => m.labels?.execution)).size, name).toBe(LABELLED_EXECUTIONS);
      }
      expect(value(families, 'floe_ingest_files_transferred_total')).toBe(all.reduce((n, e) => n + e.FilesTransferred, 0));
      expect(value(families, 'floe_ingest_bytes_written_total')).toBe(all.reduce((n, e) => n + e.BytesWritten, 0));
      expect(value(families, 'floe_ingest_file_problems_total')).toBe(15);
      expect(value(families, 'floe_ingest_executions', { status: 'SUCCESS' })).toBe(9);
      expect(value(families, 'floe_ingest_executions', { status: 'ERROR' })).toBe(5);
      expect(value(families, 'floe_ingest_executions', { status: 'TRANSFERRING' })).toBe(1);
      expect(families.find((f) => f.name === 'floe_ingest_files_transferred_total')?.metrics).toHaveLength(1);
      expect(families.find((f) => f.name === 'floe_execution_files_transferred_total')?.help).toContain(`${LABELLED_EXECUTIONS} in all`);
    } finally {
      throughput.close();
    }
  });
});

describe('the Prometheus text writer', () => {
  it('writes a summary as quantile samples, _sum and _count under one TYPE line', () => {
    const text = formatPrometheus([{ name: 'x_seconds', type: 'summary', help: 'h', samples: [{ labels: { a: 'b' }, quantiles: [[0.5, 0.25], [1, 2]], sum: 3.5, count: 4 }] }]);
    expect(text).toBe(['# HELP x_seconds h', '# TYPE x_seconds summary', 'x_seconds{a="b",quantile="0.5"} 0.25', 'x_seconds{a="b",quantile="1"} 2', 'x_seconds_sum{a="b"} 3.5', 'x_seconds_count{a="b"} 4', ''].join('\n'));
    // The parser reads _sum and _count only without labels (as floe_event_loop_delay_seconds has none).
    const [family] = parsePrometheusTextFormat(formatPrometheus([{ name: 'x_seconds', type: 'summary', help: 'h', samples: [{ quantiles: [[0.5, 0.25], [1, 2]], sum: 3.5, count: 4 }] }]));
    expect(family).toMatchObject({ name: 'x_seconds', type: 'SUMMARY', metrics: [{ quantiles: { '0.5': '0.25', '1': '2' }, sum: '3.5', count: '4' }] });
    expect(() => formatPrometheus([{ name: 'y', type: 'summary', help: 'h', samples: [{ labels: { quantile: '1' }, quantiles: [], sum: 0, count: 0 }] }])).toThrow(/quantile/);
  });

  it('escapes label values and help so a parser reads them back exactly', () => {
    const text = formatPrometheus([
      { name: 'x_total', type: 'counter', help: 'a \\ help\nline', samples: [{ labels: { path: 'a"b\\c\nd' }, value: 3 }] },
      { name: 'empty', type: 'gauge', help: 'no samples: left out', samples: [] },
    ]);
    const [family] = parsePrometheusTextFormat(text);
    expect(family).toMatchObject({ name: 'x_total', type: 'COUNTER', metrics: [{ value: '3', labels: { path: 'a"b\\c\nd' } }] });
    expect(text).not.toContain('empty');
  });
});
