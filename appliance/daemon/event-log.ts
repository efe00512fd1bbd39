// The daemon's event log: lifecycle changes, execution progress, errors and warnings, numbered so
// that a client of `GET /v1/events` can resume with Last-Event-ID (ARCHITECTURE.md, "Interfaces":
// one stats registry that the API, the metrics endpoint and the UI all read).
// It lives in memory only: events name paths and counters of customer data, and the device disk
// alone must reveal nothing. A client that reconnects after a restart starts from the new log.

export interface FloeEvent {
  /** Strictly increasing within one daemon run. */
  readonly id: number;
  /** e.g. `lifecycle`, `execution.progress`, `execution.status`, `import.progress`, `warning`, `error`. */
  readonly type: string;
  readonly at: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export type EventListener = (event: FloeEvent) => void;

export class EventLog {
  readonly #capacity: number;
  readonly #events: FloeEvent[] = [];
  readonly #listeners = new Set<EventListener>();
  #nextId = 1;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  publish(type: string, data: Readonly<Record<string, unknown>> = {}): FloeEvent {
    const event: FloeEvent = { id: this.#nextId++, type, at: new Date().toISOString(), data };
    this.#events.push(event);
    if (this.#events.length > this.#capacity) this.#events.splice(0, this.#events.length - this.#capacity);
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A failing listener (a closed SSE socket) must not stop the others or the publisher.
      }
    }
    return event;
  }

  /** Events after `lastId` still held in memory, oldest first. */
  since(lastId: number): FloeEvent[] {
    const first = this.#events.findIndex((e) => e.id > lastId);
    return first < 0 ? [] : this.#events.slice(first);
  }

  /** The id of the last event published (0 before any). */
  get lastId(): number {
    return this.#nextId - 1;
  }

  /** The id of the oldest event still held (lastId + 1 when none is held). */
  get firstId(): number {
    return this.#events[0]?.id ?? this.#nextId;
  }

  /** How many listeners are subscribed (open event streams, among others). */
  get subscribers(): number {
    return this.#listeners.size;
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
