// Keeps a recent HardwareSnapshot so `GET /v1/device` and `/metrics` cost nothing: the probe runs
// in the background every `intervalMs` (10 s by default), never two at once, and a reader gets
// the last snapshot (waiting only for the very first).
import { HardwareProbe, type ProbeOptions } from './hardware-probe.js';
import type { HardwareSnapshot } from './hardware-snapshot.js';

export interface MonitorOptions extends ProbeOptions {
  readonly intervalMs?: number;
}

export class HardwareMonitor {
  readonly #probe: HardwareProbe;
  readonly #intervalMs: number;
  #last: HardwareSnapshot | undefined;
  #running: Promise<HardwareSnapshot> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(options: MonitorOptions) {
    this.#probe = new HardwareProbe(options);
    this.#intervalMs = options.intervalMs ?? 10_000;
  }

  /** Starts probing in the background; the first snapshot is being taken when this returns. */
  static start(options: MonitorOptions): HardwareMonitor {
    const monitor = new HardwareMonitor(options);
    void monitor.refresh();
    return monitor;
  }

  /** The latest snapshot (the first call may wait for the first probe). */
  async snapshot(): Promise<HardwareSnapshot> {
    return this.#last ?? this.refresh();
  }

  /** The latest snapshot if there is one yet, without waiting. */
  get last(): HardwareSnapshot | undefined {
    return this.#last;
  }

  /** Probes now (or joins the probe in flight). */
  refresh(): Promise<HardwareSnapshot> {
    this.#running ??= this.#probe.probe().then((snapshot) => {
      this.#last = snapshot;
      this.#running = undefined;
      this.#schedule();
      return snapshot;
    });
    return this.#running;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#closed) return;
    this.#timer = setTimeout(() => void this.refresh(), this.#intervalMs);
    this.#timer.unref();
  }
}
