import { describe, expect, it } from 'vitest';
import { toDeviceInfo } from '../data/normalize.js';
import { busySnapshot, fakeActions, NOW } from '../testing/fixtures.js';
import { renderUi } from '../testing/render.js';
import { DeviceScreen } from './device-screen.js';

const base = { width: 80, height: 20, active: true, setCapture: () => {}, actions: fakeActions() };

describe('Device', () => {
  it('shows temperatures, disks with a gauge, and network interfaces', async () => {
    const ui = await renderUi(<DeviceScreen {...base} snap={busySnapshot()} />);
    const f = ui.frame();
    expect(f).toContain('Host floe-sn01  CPU Intel Atom C3558 (4 cores)  load 37%');
    expect(f).toContain('Memory 3.20 GiB used of 16.0 GiB');
    expect(f).toContain('CPU 54°C   nvme0 41°C');
    expect(f).toContain('/dev/nvme0n1p2  /var/lib/floe  2.00 TiB of 14.0 TiB');
    expect(f).toMatch(/\[#+\.+\]\s+14%/);
    expect(f).toMatch(/eth0\s+up\s+10\.0\.0\.20\s+02:42:ac:11:00:02\s+10000 Mb\/s/);
    expect(f).toMatch(/eth1\s+DOWN -/);
  });

  it("reads the daemon's hardware snapshot and says which probes failed", async () => {
    const device = toDeviceInfo({
      probedAt: '2026-11-30T10:00:00Z',
      uptimeSeconds: 100,
      hostname: 'sn02',
      cpu: { model: 'EPYC', cores: 2, loadPercent: 12.4, loadAverage: [0.1] },
      memory: { totalBytes: 8 * 1024 ** 3, availableBytes: 6 * 1024 ** 3, usedBytes: 2 * 1024 ** 3 },
      temperatures: { mainCelsius: 81, maxCelsius: null, coresCelsius: [80, 82] },
      disks: [{ filesystem: '/dev/sda1', type: 'ext4', mount: '/', capacityBytes: 1000, usedBytes: 250, availableBytes: 750 }],
      dataDisk: { path: 'data', capacityBytes: 1000, availableBytes: 750 },
      network: [
        { name: 'lo', ipv4: '127.0.0.1', ipv6: '', mac: '', internal: true, up: true, speedMbps: null },
        { name: 'ens3', ipv4: '192.168.1.9', ipv6: '', mac: 'aa:bb:cc:dd:ee:ff', internal: false, up: true, speedMbps: 1000 },
      ],
      missing: [{ probe: 'temperatures', reason: 'no sensors' }],
    });
    expect(device.dataDisk).toEqual({ totalBytes: 1000, freeBytes: 750 });
    const ui = await renderUi(<DeviceScreen {...base} snap={busySnapshot({ device: { state: 'ok', value: device, at: NOW } })} />);
    const f = ui.frame();
    expect(f).toContain('Host sn02  CPU EPYC (2 cores)  load 12%');
    expect(f).toContain('CPU 81°C HOT   core0 80°C HOT   core1 82°C HOT');
    expect(f).toContain('/dev/sda1  /  250 B of 1000 B');
    expect(f).toMatch(/ens3\s+up\s+192\.168\.1\.9/);
    expect(f).not.toMatch(/\blo\s+up/);
    expect(f).toContain('Not measured: temperatures: no sensors');
  });

  it('says when the route is missing or fails', async () => {
    const none = await renderUi(<DeviceScreen {...base} snap={busySnapshot({ device: { state: 'unavailable' } })} />);
    expect(none.frame()).toContain('Device: not available on this daemon');
    const failing = await renderUi(<DeviceScreen {...base} snap={busySnapshot({ device: { state: 'error', error: { code: 'INTERNAL', message: 'probe crashed' } } })} />);
    expect(failing.frame()).toContain('Device: probe crashed [INTERNAL]');
  });
});
