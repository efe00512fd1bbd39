// Rate and ETA of a transfer from successive polls: one meter per thing followed (the dashboard's
// current execution, the Import screen's import and sync runs), so every screen computes them the
// same way. While an execution is VERIFYING the meter counts files verified (the daemon reports no
// bytes verified: FilesVerified is the only verify counter of DescribeTaskExecution); otherwise
// bytes moved, including the file in flight (ui/data/views.ts, bytesMoved).
import type { ThroughputView } from './snapshot.js';
import { isRunning, phaseProgress, type ExecutionView } from './views.js';

export class ThroughputMeter {
  readonly #windowMs: number;
  readonly #historyLength: number;
  #key: string | undefined;
  #samples: { t: number; done: number }[] = [];
  #history: number[] = [];

  /** Rates over the last `windowMs`; `historyLength` values kept for the sparkline. */
  constructor(windowMs: number, historyLength = 40) {
    this.#windowMs = windowMs;
    this.#historyLength = historyLength;
  }

  /** One poll of `e` at time `t` (ms): its rate now, the history, and the ETA of the running phase. */
  sample(e: ExecutionView | undefined, t: number): ThroughputView {
    if (e === undefined) {
      this.#key = undefined;
      this.#samples = [];
      this.#history = [];
      return { history: [] };
    }
    const p = phaseProgress(e);
    // A new execution, or the same one moving from bytes to files: start over.
    const key = `${e.id} ${p.unit}`;
    if (key !== this.#key) {
      this.#key = key;
      this.#samples = [];
      this.#history = [];
    }
    this.#samples.push({ t, done: p.done });
    this.#samples = this.#samples.filter((s) => t - s.t <= this.#windowMs);
    const first = this.#samples[0]!;
    const running = isRunning(e);
    const current = running && t > first.t ? Math.max(0, (p.done - first.done) / ((t - first.t) / 1000)) : running ? undefined : 0;
    if (running && current !== undefined) this.#history = [...this.#history, current].slice(-this.#historyLength);
    const remaining = p.total - p.done;
    const etaSeconds = running && current !== undefined && current > 0 && remaining >= 0 ? remaining / current : undefined;
    return {
      executionId: e.id,
      ...(p.unit === 'files' ? { unit: 'files' as const } : {}),
      ...(current === undefined ? {} : { current }),
      history: this.#history,
      ...(etaSeconds === undefined ? {} : { etaSeconds }),
    };
  }
}
