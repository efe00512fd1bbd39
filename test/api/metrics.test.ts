// GET /metrics: Prometheus text format that a real parser reads; token-protected; the journal and
// hardware numbers are the ones the journal and the device routes answer.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPrometheus } from '../../appliance/api/metrics/prometheus-text.js';
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
      const destination = `efs://${target}`;
      await client.post('/v1/sync', { destinations: [destination] });
      await a.context.sync.wait();
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

describe('the Prometheus text writer', () => {
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
