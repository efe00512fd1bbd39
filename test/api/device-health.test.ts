// GET /v1/device: hardware and disk health from a cached snapshot; cheap; a failed probe is
// reported in `missing`, never as a failed route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HardwareProbe } from '../../appliance/device/hardware-probe.js';
import { HardwareMonitor } from '../../appliance/device/hardware-monitor.js';
import { inProcessApi, type InProcessApi } from './api-fixture.js';

let api: InProcessApi;
beforeAll(async () => {
  api = await inProcessApi();
});
afterAll(async () => api.close());

describe('GET /v1/device', () => {
  it('needs the token', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/v1/device' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('reports CPU, memory, disks with capacity, used and mount, the data disk and network interfaces', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/v1/device', headers: api.auth });
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.missing.filter((m: { probe: string }) => m.probe !== "temperatures"), JSON.stringify(d.missing)).toEqual([]);
    expect(d.cpu.cores).toBeGreaterThan(0);
    expect(typeof d.cpu.model).toBe('string');
    expect(d.memory.totalBytes).toBeGreaterThan(d.memory.usedBytes);
    expect(d.disks.length).toBeGreaterThan(0);
    for (const disk of d.disks) {
      expect(disk.mount).toMatch(/^\//);
      expect(disk.capacityBytes).toBeGreaterThan(0);
      expect(disk.usedBytes).toBeGreaterThanOrEqual(0);
    }
    expect(d.dataDisk.availableBytes).toBeGreaterThan(0);
    expect(d.network.some((n: { name: string; internal: boolean }) => n.name === 'lo' && n.internal)).toBe(true);
    // This machine exposes no temperature sensor: the route says so instead of failing.
    if (d.temperatures === null) expect(d.missing).toContainEqual({ probe: 'temperatures', reason: expect.any(String) });
    // The route answers what the monitor holds (the serializer kept every field).
    expect(d).toEqual(JSON.parse(JSON.stringify(await api.context.hardware.snapshot())));
  });

  it('is cheap: 50 calls answer from the cache in well under a second', async () => {
    await api.context.hardware.snapshot();
    const started = performance.now();
    const probedAt = new Set<string>();
    for (let i = 0; i < 50; i++) probedAt.add((await api.app.inject({ method: 'GET', url: '/v1/device', headers: api.auth })).json().probedAt);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(probedAt.size).toBe(1);
  });

  it('lists a probe that fails instead of failing, and refreshes in the background', async () => {
    const probe = new HardwareProbe({ dataDir: '/nonexistent/floe-data' });
    const snapshot = await probe.probe();
    expect(snapshot.dataDisk).toBeNull();
    expect(snapshot.missing).toContainEqual({ probe: 'dataDisk', reason: expect.stringMatching(/ENOENT/) });
    expect(snapshot.memory).not.toBeNull();

    const monitor = HardwareMonitor.start({ dataDir: api.device.dataDir, intervalMs: 200 });
    try {
      const first = await monitor.snapshot();
      await new Promise((r) => setTimeout(r, 1500));
      expect(monitor.last?.probedAt).not.toBe(first.probedAt);
    } finally {
      monitor.close();
    }
  });
});
