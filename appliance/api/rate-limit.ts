// Per-client, per-route rate limits for routes that declare `config: { rateLimit }` (unlock):
// a token bucket per (client address, route). The Device already delays wrong unlock codes; this
// keeps a flood of requests (right or wrong) from queueing scrypt work behind the device's lock.
// Over the limit: 429 with the error body (RATE_LIMITED) and Retry-After, never a 5xx.
import type { FastifyInstance } from 'fastify';
import { FloeError } from '../errors.js';

export interface RateLimit {
  /** Requests allowed in a burst. */
  readonly burst: number;
  /** Requests regained per minute. */
  readonly perMinute: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    rateLimit?: RateLimit;
  }
}

interface Bucket {
  tokens: number;
  at: number;
}

const MAX_BUCKETS = 10_000;

export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();

  /** Takes one token; returns 0 when allowed, else the milliseconds until a token is back. */
  take(key: string, limit: RateLimit, now = Date.now()): number {
    const ratePerMs = limit.perMinute / 60_000;
    const bucket = this.#buckets.get(key) ?? { tokens: limit.burst, at: now };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (now - bucket.at) * ratePerMs);
    bucket.at = now;
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket); // most recently used last, for pruning
    if (this.#buckets.size > MAX_BUCKETS) this.#buckets.delete(this.#buckets.keys().next().value as string);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / ratePerMs);
  }
}

export function installRateLimit(app: FastifyInstance): void {
  const buckets = new TokenBuckets();
  app.addHook('onRequest', async (request, reply) => {
    const limit = request.routeOptions.config?.rateLimit;
    if (limit === undefined) return;
    const wait = buckets.take(`${request.ip} ${request.method} ${request.routeOptions.url ?? ''}`, limit);
    if (wait === 0) return;
    const retryAfterSeconds = Math.ceil(wait / 1000);
    void reply.header('retry-after', String(retryAfterSeconds));
    throw new FloeError('RATE_LIMITED', `too many ${request.method} ${request.routeOptions.url ?? ''} calls from this client: try again in ${retryAfterSeconds} s`, {
      details: { retryAfterSeconds },
    });
  });
}
