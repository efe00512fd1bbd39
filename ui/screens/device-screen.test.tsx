import { describe, expect, it } from 'vitest';
import { toDeviceInfo } from '../data/normalize.js';
import { busySnapshot, fakeActions, NOW } from '../testing/fixtures.js';
import { renderUi } from '../testing/render.js';
import { DeviceScreen } from './device-screen.js';
import { JournalScreen } from './journal-screen.js';

const base = { width: 80, height: 20, active: true, setCapture: () => {}, actions: fakeActions() };

describe('Device', () => {
  it('shows temperatures, disks with a gauge, and network interfaces', async () => {
    const ui = await renderUi(<DeviceScreen {...base} snap={busySnapshot()} />);
    const f = ui.frame();
    expect(f).toContain('Host floe-sn01  CPU Intel Atom C3558 (4 cores)  load 37%');
    expect(f).toContain('Memory 3.20 GiB used of 16.0 GiB');
    expect(f).toContain('CPU 54°C   nvme0 41°C');
    expect(f).toContain('/dev/nvme0n1p2  /var/lib/floe');
    expect(f).toMatch(/\[#+\.+\]\s+14% {2}2\.00 TiB used, 12\.0 TiB available of 14\.0 TiB/);
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
    expect(device.dataDisk).toEqual({ totalBytes: 1000, freeBytes: 750, usedBytes: 250 });
    const ui = await renderUi(<DeviceScreen {...base} snap={busySnapshot({ device: { state: 'ok', value: device, at: NOW } })} />);
    const f = ui.frame();
    expect(f).toContain('Host sn02  CPU EPYC (2 cores)  load 12%');
    expect(f).toContain('CPU 81°C HOT   core0 80°C HOT   core1 82°C HOT');
    expect(f).toContain('/dev/sda1  /  (data disk: the journal)');
    expect(f).toContain('25%  250 B used, 750 B available of 1000 B');
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

  it('counts disk use as df does, the same on Device and Journal, and says which disk (issue 26)', async () => {
    // 100 GiB, 5 GiB reserved for root, 20 GiB used, 75 GiB available: df says 21% (20 / 95).
    const GiB = 1024 ** 3;
    const device = toDeviceInfo({
      hostname: 'sn03',
      disks: [
        { filesystem: '/dev/sda1', type: 'ext4', mount: '/', capacityBytes: 50 * GiB, usedBytes: 10 * GiB, availableBytes: 40 * GiB },
        { filesystem: '/dev/nvme0n1p2', type: 'ext4', mount: '/var/lib/floe', capacityBytes: 100 * GiB, usedBytes: 20 * GiB, availableBytes: 75 * GiB },
      ],
      dataDisk: { path: 'data', capacityBytes: 100 * GiB, availableBytes: 75 * GiB },
      network: [],
      missing: [],
    });
    const snap = busySnapshot({ device: { state: 'ok', value: device, at: NOW }, disk: { state: 'ok', value: device.dataDisk!, at: NOW } });
    const dev = await renderUi(<DeviceScreen {...base} snap={snap} />);
    expect(dev.frame()).toContain('Disks (Use% as df counts it: used / (used + available))');
    expect(dev.frame()).toMatch(/\/dev\/nvme0n1p2 {2}\/var\/lib\/floe {2}\(data disk: the journal\)\n\s+\[#+\.+\]\s+21% {2}20\.0 GiB used, 75\.0 GiB available of 100 GiB/);
    expect(dev.frame()).not.toMatch(/\(data disk: the journal\)\n\s+\[#+\.+\]\s+20%/); // used / size
    const journal = await renderUi(<JournalScreen {...base} snap={snap} />);
    expect(journal.frame()).toMatch(/Data disk \(journal\) \[#+\.+\]\s+21%/);
    expect(journal.frame()).not.toMatch(/\]\s+25%/); // (size - available) / size
    expect(journal.frame()).toContain('20.0 GiB used, 75.0 GiB available of 100 GiB');
  });
});
