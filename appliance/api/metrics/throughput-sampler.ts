// Throughput from the progress the services publish about once a second (`execution.progress`
// for ingest, `import.progress` and `sync.progress` per destination): bytes per second over the
// last `windowMs`. It counts nothing itself; it differences the services' own counters.
import type { EventLog, FloeEvent } from '../../daemon/event-log.js';

interface Point {
  readonly t: number;
  readonly bytes: number;
}

export interface Throughput {
  readonly kind: 'ingest' | 'import' | 'sync';
  readonly execution: string;
  readonly destination?: string;
  readonly bytesPerSecond: number;
}

export class ThroughputSampler {
  readonly #windowMs: number;
  readonly #series = new Map<string, { kind: Throughput['kind']; execution: string; destination?: string; points: Point[] }>();
  readonly #unsubscribe: () => void;

  constructor(events: EventLog, windowMs = 10_000) {
    this.#windowMs = windowMs;
    this.#unsubscribe = events.subscribe((e) => this.#take(e));
  }

  close(): void {
    this.#unsubscribe();
  }

  /** Current rates of the series heard from in the last window. */
  rates(now = Date.now()): Throughput[] {
    const out: Throughput[] = [];
    for (const [key, s] of this.#series) {
      const last = s.points.at(-1);
      if (last === undefined || now - last.t > this.#windowMs) {
        this.#series.delete(key);
        continue;
      }
      const first = s.points[0]!;
      const seconds = (last.t - first.t) / 1000;
      const bytesPerSecond = seconds <= 0 ? 0 : Math.max(0, (last.bytes - first.bytes) / seconds);
      out.push({ kind: s.kind, execution: s.execution, ...(s.destination === undefined ? {} : { destination: s.destination }), bytesPerSecond: Math.round(bytesPerSecond) });
    }
    return out;
  }

  #take(e: FloeEvent): void {
    const t = Date.parse(e.at);
    if (e.type === 'execution.progress') {
      const { TaskExecutionId, BytesTransferred } = e.data as { TaskExecutionId?: unknown; BytesTransferred?: unknown };
      if (typeof TaskExecutionId === 'string' && typeof BytesTransferred === 'number') this.#add('ingest', TaskExecutionId, undefined, t, BytesTransferred);
    } else if (e.type === 'import.progress' || e.type === 'sync.progress') {
      const { executionId, destinations } = e.data as { executionId?: unknown; destinations?: unknown };
      if (typeof executionId !== 'string' || !Array.isArray(destinations)) return;
      for (const d of destinations as Array<{ uri?: unknown; counters?: { BytesTransferred?: unknown } }>) {
        if (typeof d.uri === 'string' && typeof d.counters?.BytesTransferred === 'number') this.#add(e.type === 'import.progress' ? 'import' : 'sync', executionId, d.uri, t, d.counters.BytesTransferred);
      }
    }
  }

  #add(kind: Throughput['kind'], execution: string, destination: string | undefined, t: number, bytes: number): void {
    const key = `${kind}\n${execution}\n${destination ?? ''}`;
    let s = this.#series.get(key);
    if (s === undefined) {
      s = { kind, execution, ...(destination === undefined ? {} : { destination }), points: [] };
      this.#series.set(key, s);
    }
    s.points.push({ t, bytes });
    while (s.points.length > 2 && t - s.points[0]!.t > this.#windowMs) s.points.shift();
  }
}
