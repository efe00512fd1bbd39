// A small Server-Sent Events reader for the tests: opens `GET /v1/events` through the CLI's
// ApiClient and collects the messages (id, event, parsed data) and comment lines.
import type { IncomingMessage } from 'node:http';
import { ApiClient } from '../../appliance/cli/api-client.js';

export interface SseMessage {
  readonly id?: number;
  readonly event: string;
  readonly data: { id?: number; type: string; at?: string; data: Record<string, unknown> };
}

export class SseStream {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  readonly response: IncomingMessage;
  readonly #waiters = new Set<() => void>();
  #ended = false;
  #buffer = '';

  private constructor(response: IncomingMessage) {
    this.response = response;
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.#push(chunk));
    response.on('end', () => this.#end());
    response.on('close', () => this.#end());
    response.on('error', () => this.#end());
  }

  static async open(client: ApiClient, lastEventId?: number | string): Promise<SseStream> {
    const res = await client.stream('/v1/events', lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) });
    return new SseStream(res);
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The ids of the messages that carried one, in order. */
  get ids(): number[] {
    return this.messages.flatMap((m) => (m.id === undefined ? [] : [m.id]));
  }

  /** Waits until `predicate` holds over the messages received (or rejects after timeoutMs). */
  async until(predicate: (messages: SseMessage[]) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.messages)) {
      if (this.#ended) throw new Error(`the stream ended before the condition held; got ${JSON.stringify(this.messages.map((m) => [m.id, m.event]))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; got ${JSON.stringify(this.messages.map((m) => [m.id, m.event]))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 200));
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.#waiters.add(done);
      });
    }
  }

  close(): void {
    this.response.destroy();
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
    this.#waiters.clear();
  }

  #end(): void {
    this.#ended = true;
    this.#wake();
  }

  #push(chunk: string): void {
    this.#buffer += chunk;
    let split: number;
    while ((split = this.#buffer.indexOf('\n\n')) >= 0) {
      const block = this.#buffer.slice(0, split);
      this.#buffer = this.#buffer.slice(split + 2);
      const fields = new Map<string, string[]>();
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          this.comments.push(line.slice(1).trim());
          continue;
        }
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        fields.set(name, [...(fields.get(name) ?? []), value]);
      }
      const data = fields.get('data');
      if (data === undefined) continue;
      const id = fields.get('id')?.[0];
      this.messages.push({ event: fields.get('event')?.[0] ?? 'message', data: JSON.parse(data.join('\n')) as SseMessage['data'], ...(id === undefined ? {} : { id: Number(id) }) });
    }
    this.#wake();
  }
}
