// One probe of the hardware. Each part runs on its own with a time limit; a part that fails or
// times out is listed in `missing`, never thrown.
//
// Nothing here may block the daemon's event loop: the API shares it (issue 6, p99 of status under
// 50 ms). A CPU profile of the daemon showed systeminformation's networkInterfaces,
// cpuTemperature and fsSize calling execSync on Linux (280 ms of blocked loop for one network
// probe on a loaded machine), and node-disk-info runs `df` with execSync on every call (and would
// hang on a stale NFS mount); its currentLoad runs `cat /proc/stat` the same way, and under load
// its calls timed out. So the probe reads what those libraries read, asynchronously: memory from
// /proc/meminfo, CPU load from the kernel's CPU times (node:os) between probes, disks from
// /proc/mounts and statfs, temperatures from the thermal zones and hwmon sensors in /sys, network
// interfaces from node:os and /sys/class/net.
import { readFile, readdir, statfs } from 'node:fs/promises';
import { cpus, freemem, hostname, loadavg, networkInterfaces, totalmem, uptime } from 'node:os';
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
  #lastTimes: { busy: number; total: number } | undefined;

  constructor(options: ProbeOptions) {
    this.#dataDir = options.dataDir;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
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
      run('load', async () => this.#load()),
      run('memory', memoryInfo),
      run('temperatures', temperaturesInfo),
      run('disks', disksInfo),
      run('dataDisk', () => dataDiskInfo(this.#dataDir)),
      run('network', networkInfo),
    ]);
    const cpu: CpuInfo | null = cpuModel === null ? null : { ...cpuModel, loadPercent: load === null || load === undefined ? null : round(load, 1), loadAverage: loadavg().map((l) => round(l, 2)) };
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

  /** Percent busy over all cores since the previous probe (null on the first). */
  async #load(): Promise<number | null> {
    let busy = 0;
    let total = 0;
    for (const c of cpus()) {
      const t = c.times;
      busy += t.user + t.nice + t.sys + t.irq;
      total += t.user + t.nice + t.sys + t.irq + t.idle;
    }
    const last = this.#lastTimes;
    this.#lastTimes = { busy, total };
    if (last === undefined || total <= last.total) return null;
    return (100 * (busy - last.busy)) / (total - last.total);
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

/** /proc/meminfo (MemAvailable counts reclaimable cache); node:os totals where there is none. */
async function memoryInfo(): Promise<MemoryInfo> {
  const text = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const kib = (key: string): number | undefined => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const total = kib('MemTotal') ?? totalmem();
  const available = kib('MemAvailable') ?? freemem();
  return { totalBytes: total, availableBytes: available, usedBytes: total - available };
}

async function readNumber(path: string): Promise<number | undefined> {
  try {
    const n = Number((await readFile(path, 'utf8')).trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch {
    return [];
  }
}

/** Thermal zones (`x86_pkg_temp`, `cpu-thermal`, ...) and hwmon sensors, in millidegrees. */
async function temperaturesInfo(): Promise<Temperatures> {
  const zones: Array<{ type: string; celsius: number }> = [];
  for (const z of (await listDir('/sys/class/thermal')).filter((n) => n.startsWith('thermal_zone'))) {
    const milli = await readNumber(`/sys/class/thermal/${z}/temp`);
    const type = (await readFile(`/sys/class/thermal/${z}/type`, 'utf8').catch(() => z)).trim();
    if (milli !== undefined && milli > -100_000) zones.push({ type, celsius: milli / 1000 });
  }
  const cores: number[] = [];
  for (const h of await listDir('/sys/class/hwmon')) {
    for (const f of (await listDir(`/sys/class/hwmon/${h}`)).filter((n) => /^temp\d+_input$/.test(n)).sort()) {
      const milli = await readNumber(`/sys/class/hwmon/${h}/${f}`);
      if (milli !== undefined && milli > -100_000) cores.push(milli / 1000);
    }
  }
  const all = [...zones.map((z) => z.celsius), ...cores];
  if (all.length === 0) throw new Error('no temperature sensor is exposed by this hardware');
  const main = zones.find((z) => /pkg|cpu|soc/i.test(z.type)) ?? zones[0];
  return { mainCelsius: main?.celsius ?? cores[0] ?? null, maxCelsius: Math.max(...all), coresCelsius: cores };
}

function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

async function disksInfo(): Promise<DiskInfo[]> {
  const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n').filter((l) => l !== '');
  const seen = new Set<string>();
  const disks: DiskInfo[] = [];
  for (const line of mounts) {
    const [device = '', rawMount = '', type = ''] = line.split(' ');
    const mount = unescapeMount(rawMount);
    // Local block devices only: no pseudo file systems, no network mounts (statfs could hang).
    if (PSEUDO_FS.has(type) || !device.startsWith('/dev/') || seen.has(mount)) continue;
    seen.add(mount);
    const st = await statfs(mount).catch(() => undefined);
    if (st === undefined || st.blocks === 0) continue;
    const capacityBytes = st.blocks * st.bsize;
    disks.push({ filesystem: device, type, mount, capacityBytes, usedBytes: (st.blocks - st.bfree) * st.bsize, availableBytes: st.bavail * st.bsize });
  }
  return disks;
}

async function dataDiskInfo(dataDir: string): Promise<DataDiskInfo> {
  const s = await statfs(dataDir);
  return { path: 'data', capacityBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize };
}

async function networkInfo(): Promise<NetworkInterfaceInfo[]> {
  const out: NetworkInterfaceInfo[] = [];
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    const list = addresses ?? [];
    const v4 = list.find((a) => a.family === 'IPv4');
    const v6 = list.find((a) => a.family === 'IPv6');
    const operstate = (await readFile(`/sys/class/net/${name}/operstate`, 'utf8').catch(() => 'unknown')).trim();
    const speed = await readNumber(`/sys/class/net/${name}/speed`);
    const internal = list.some((a) => a.internal);
    out.push({
      name,
      ipv4: v4?.address ?? '',
      ipv6: v6?.address ?? '',
      mac: list[0]?.mac ?? '',
      internal,
      up: operstate === 'up' || (internal && operstate === 'unknown'),
      speedMbps: speed !== undefined && speed > 0 ? speed : null,
    });
  }
  return out;
}
