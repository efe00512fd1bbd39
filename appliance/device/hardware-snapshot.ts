// What `GET /v1/device` reports: CPU, memory, temperatures, disks and network interfaces, with
// every probe that failed listed in `missing` instead of failing the whole snapshot.

export interface CpuInfo {
  readonly model: string;
  readonly cores: number;
  /** Percent busy over all cores since the previous probe (0-100). */
  readonly loadPercent: number | null;
  readonly loadAverage: readonly number[];
}

export interface MemoryInfo {
  readonly totalBytes: number;
  readonly availableBytes: number;
  readonly usedBytes: number;
}

export interface Temperatures {
  /** Package or main sensor in °C; null when the hardware exposes none. */
  readonly mainCelsius: number | null;
  readonly maxCelsius: number | null;
  readonly coresCelsius: readonly number[];
}

export interface DiskInfo {
  readonly filesystem: string;
  readonly type: string;
  readonly mount: string;
  readonly capacityBytes: number;
  readonly usedBytes: number;
  readonly availableBytes: number;
}

export interface NetworkInterfaceInfo {
  readonly name: string;
  readonly ipv4: string;
  readonly ipv6: string;
  readonly mac: string;
  readonly internal: boolean;
  readonly up: boolean;
  /** Link speed in Mbit/s, null when unknown. */
  readonly speedMbps: number | null;
}

export interface DataDiskInfo {
  readonly path: 'data';
  readonly capacityBytes: number;
  readonly availableBytes: number;
}

export interface MissingProbe {
  readonly probe: 'cpu' | 'load' | 'memory' | 'temperatures' | 'disks' | 'network' | 'dataDisk';
  readonly reason: string;
}

export interface HardwareSnapshot {
  readonly probedAt: string;
  readonly uptimeSeconds: number;
  readonly hostname: string;
  readonly cpu: CpuInfo | null;
  readonly memory: MemoryInfo | null;
  readonly temperatures: Temperatures | null;
  readonly disks: readonly DiskInfo[];
  /** The file system holding the device's data folder (journal). */
  readonly dataDisk: DataDiskInfo | null;
  readonly network: readonly NetworkInterfaceInfo[];
  readonly missing: readonly MissingProbe[];
}
