// One probe of the hardware through systeminformation and node-disk-info. Each part runs on its
// own with a time limit; a part that fails or times out is listed in `missing`, never thrown.
//
// Disks come from systeminformation's fsSize, which runs `df` asynchronously and only on local
// file systems. node-disk-info runs `df` with execSync, which blocks the event loop (and would
// hang the daemon on a stale NFS mount), so it is only the fallback when fsSize fails.
import { statfs } from 'node:fs/promises';
import { cpus, freemem, hostname, loadavg, totalmem, uptime } from 'node:os';
import { getDiskInfo } from 'node-disk-info';
import si from 'systeminformation';
import type { CpuInfo, DataDiskInfo, DiskInfo, HardwareSnapshot, MemoryInfo, MissingProbe, NetworkInterfaceInfo, Temperatures } from './hardware-snapshot.js';

/** File systems that hold no data of their own. */
const PSEUDO_FS = new Set(['tmpfs', 'devtmpfs', 'overlay', 'squashfs', 'proc', 'sysfs', 'cgroup', 'cgroup2', 'none']);

export interface ProbeOptions {
  readonly dataDir: string;
  /** Per-part time limit. */
  readonly timeoutMs?: number;
}

type Part = MissingProbe['probe'];

export class HardwareProbe {
  readonly #dataDir: string;
  readonly #timeoutMs: number;
  #cpuModel: { model: string; cores: number } | undefined;

  constructor(options: ProbeOptions) {
    this.#dataDir = options.dataDir;
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  async probe(): Promise<HardwareSnapshot> {
    const missing: MissingProbe[] = [];
    const run = async <T>(part: Part, fn: () => Promise<T>): Promise<T | null> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          fn(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer in ${this.#timeoutMs} ms`)), this.#timeoutMs);
          }),
        ]);
      } catch (err) {
        missing.push({ probe: part, reason: err instanceof Error ? err.message : String(err) });
        return null;
      } finally {
        clearTimeout(timer);
      }
    };
    const [cpuModel, load, memory, temperatures, disks, dataDisk, network] = await Promise.all([
      run('cpu', () => this.#cpu()),
      run('load', async () => (await si.currentLoad()).currentLoad),
      run('memory', memoryInfo),
      run('temperatures', temperaturesInfo),
      run('disks', disksInfo),
      run('dataDisk', () => dataDiskInfo(this.#dataDir)),
      run('network', networkInfo),
    ]);
    const cpu: CpuInfo | null = cpuModel === null ? null : { ...cpuModel, loadPercent: load === null ? null : round(load, 1), loadAverage: loadavg().map((l) => round(l, 2)) };
    return {
      probedAt: new Date().toISOString(),
      uptimeSeconds: Math.round(uptime()),
      hostname: hostname(),
      cpu,
      memory,
      temperatures,
      disks: disks ?? [],
      dataDisk,
      network: network ?? [],
      missing,
    };
  }

  // The model and core count from the kernel's list (si.cpu() runs helper programs: slow, and it
  // adds nothing the device needs here).
  async #cpu(): Promise<{ model: string; cores: number }> {
    if (this.#cpuModel === undefined) {
      const list = cpus();
      if (list.length === 0) throw new Error('the kernel lists no CPU');
      this.#cpuModel = { model: list[0]!.model.trim(), cores: list.length };
    }
    return this.#cpuModel;
  }
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** From systeminformation; the kernel's totals through node:os when it fails (free, not available, memory). */
async function memoryInfo(): Promise<MemoryInfo> {
  try {
    const m = await si.mem();
    if (!(m.total > 0)) throw new Error('no memory total');
    return { totalBytes: m.total, availableBytes: m.available, usedBytes: m.total - m.available };
  } catch {
    const total = totalmem();
    const free = freemem();
    return { totalBytes: total, availableBytes: free, usedBytes: total - free };
  }
}

async function temperaturesInfo(): Promise<Temperatures> {
  const t = await si.cpuTemperature();
  const valid = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n) && n > -100;
  const cores = (t.cores ?? []).filter(valid);
  if (!valid(t.main) && cores.length === 0) throw new Error('no temperature sensor is exposed by this hardware');
  return { mainCelsius: valid(t.main) ? t.main : null, maxCelsius: valid(t.max) ? t.max : null, coresCelsius: cores };
}

async function disksInfo(): Promise<DiskInfo[]> {
  let disks: DiskInfo[];
  try {
    const fs = await si.fsSize();
    if (fs.length === 0) throw new Error('fsSize found no file system');
    disks = fs.map((d) => ({ filesystem: d.fs, type: d.type, mount: d.mount, capacityBytes: d.size, usedBytes: d.used, availableBytes: d.available }));
  } catch {
    const drives = await getDiskInfo();
    disks = drives.map((d) => ({
      filesystem: d.filesystem,
      type: '',
      mount: d.mounted,
      capacityBytes: d.blocks * 1024,
      usedBytes: d.used * 1024,
      availableBytes: d.available * 1024,
    }));
  }
  return disks.filter((d) => !PSEUDO_FS.has(d.type) && !PSEUDO_FS.has(d.filesystem) && d.capacityBytes > 0);
}

async function dataDiskInfo(dataDir: string): Promise<DataDiskInfo> {
  const s = await statfs(dataDir);
  return { path: 'data', capacityBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize };
}

async function networkInfo(): Promise<NetworkInterfaceInfo[]> {
  const raw = await si.networkInterfaces();
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((n) => ({
    name: n.iface,
    ipv4: n.ip4,
    ipv6: n.ip6,
    mac: n.mac,
    internal: n.internal,
    up: n.operstate === 'up' || (n.internal && n.operstate === 'unknown'),
    speedMbps: typeof n.speed === 'number' ? n.speed : null,
  }));
}
