// `floe hardware`: the device's health as the Device screen shows it (GET /v1/device): CPU,
// memory, temperatures, the data disk, every disk and network interface, probes that failed.
import type { Command } from 'commander';
import type { HardwareSnapshot } from '../device/hardware-snapshot.js';
import { formatBytes, formatDuration, formatPercent } from '../format/units.js';
import { clientCommand, clientOf, fields, print, type ClientFlags } from './client-options.js';

/** Used as df counts it: everything not available to an unprivileged writer. */
function used(capacity: number, available: number): string {
  return `${formatBytes(capacity - available)} of ${formatBytes(capacity)} used (${formatPercent(capacity - available, capacity)}), ${formatBytes(available)} free`;
}

export function hardwareLines(h: HardwareSnapshot): string[] {
  const t = h.temperatures;
  const lines = fields([
    ['Host', `${h.hostname}, up ${formatDuration(h.uptimeSeconds)}, probed ${h.probedAt}`],
    ['CPU', h.cpu === null ? undefined : `${h.cpu.model}, ${h.cpu.cores} cores, ${h.cpu.loadPercent === null ? '-' : `${Math.round(h.cpu.loadPercent)}%`} busy, load ${h.cpu.loadAverage.map((l) => l.toFixed(2)).join(' ')}`],
    ['Memory', h.memory === null ? undefined : used(h.memory.totalBytes, h.memory.availableBytes)],
    ['Temperature', t === null || t.mainCelsius === null ? undefined : `${t.mainCelsius} °C${t.maxCelsius === null ? '' : ` (max ${t.maxCelsius} °C)`}`],
    ['Data disk', h.dataDisk === null ? undefined : used(h.dataDisk.capacityBytes, h.dataDisk.availableBytes)],
  ]);
  for (const d of h.disks) lines.push(`Disk ${d.mount} (${d.filesystem}, ${d.type}): ${used(d.capacityBytes, d.availableBytes)}`);
  for (const n of h.network) {
    if (n.internal) continue;
    lines.push(`Network ${n.name}: ${n.up ? 'up' : 'down'}${n.ipv4 === '' ? '' : ` ${n.ipv4}`}${n.speedMbps === null ? '' : ` ${n.speedMbps} Mbit/s`}`);
  }
  for (const m of h.missing) lines.push(`Not probed ${m.probe}: ${m.reason}`);
  return lines;
}

export function registerHardwareCommand(program: Command): void {
  clientCommand(program.command('hardware').description('hardware and disk health: CPU, memory, temperatures, disks, network (the Device screen)')).action(async (flags: ClientFlags) => {
    const client = await clientOf(flags);
    print(flags, await client.get<HardwareSnapshot>('/v1/device'), hardwareLines);
  });
}
