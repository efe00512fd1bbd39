// Reconnect delays: doubling from `min` up to `max`, with a little jitter so that several UIs do
// not hit a restarting daemon in step.

export class Backoff {
  readonly #min: number;
  readonly #max: number;
  readonly #jitter: number;
  #attempt = 0;

  constructor(min = 250, max = 5000, jitter = 0.2) {
    this.#min = min;
    this.#max = max;
    this.#jitter = jitter;
  }

  get attempts(): number {
    return this.#attempt;
  }

  next(): number {
    const base = Math.min(this.#max, this.#min * 2 ** this.#attempt);
    this.#attempt++;
    return Math.round(base * (1 - this.#jitter / 2 + Math.random() * this.#jitter));
  }

  reset(): void {
    this.#attempt = 0;
  }
}
