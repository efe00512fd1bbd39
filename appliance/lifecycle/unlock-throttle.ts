// Wrong unlock codes are delayed more and more, and the delay survives a restart: the count and the
// time of the next allowed attempt live in <data>/device/unlock-attempts.json.
import { join } from 'node:path';
import { deviceDir, readJsonFile, writeJsonFile } from './state-files.js';

interface Attempts {
  failures: number;
  /** Epoch ms before which no attempt is checked. */
  notBefore: number;
}

export interface UnlockDelayPolicy {
  /** Failures allowed without any delay. */
  readonly freeAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Three free tries, then 1 s, 2 s, 4 s, ... up to an hour. Tests shrink it through the environment. */
export function defaultDelayPolicy(env: NodeJS.ProcessEnv = process.env): UnlockDelayPolicy {
  return {
    freeAttempts: 3,
    baseDelayMs: Number(env.FLOE_UNLOCK_BASE_DELAY_MS ?? 1000),
    maxDelayMs: Number(env.FLOE_UNLOCK_MAX_DELAY_MS ?? 3_600_000),
  };
}

export class UnlockThrottle {
  readonly #path: string;
  readonly #policy: UnlockDelayPolicy;
  #state: Attempts;

  private constructor(path: string, policy: UnlockDelayPolicy, state: Attempts) {
    this.#path = path;
    this.#policy = policy;
    this.#state = state;
  }

  static async load(dataDir: string, policy: UnlockDelayPolicy = defaultDelayPolicy()): Promise<UnlockThrottle> {
    const path = join(deviceDir(dataDir), 'unlock-attempts.json');
    const state = (await readJsonFile<Attempts>(path)) ?? { failures: 0, notBefore: 0 };
    return new UnlockThrottle(path, policy, state);
  }

  get failures(): number {
    return this.#state.failures;
  }

  /** Milliseconds until the next attempt may be checked. */
  retryAfterMs(now = Date.now()): number {
    return Math.max(0, this.#state.notBefore - now);
  }

  async recordFailure(now = Date.now()): Promise<number> {
    const failures = this.#state.failures + 1;
    const over = failures - this.#policy.freeAttempts;
    const delay = over <= 0 ? 0 : Math.min(this.#policy.maxDelayMs, this.#policy.baseDelayMs * 2 ** (over - 1));
    this.#state = { failures, notBefore: now + delay };
    await writeJsonFile(this.#path, this.#state);
    return delay;
  }

  async recordSuccess(): Promise<void> {
    if (this.#state.failures === 0 && this.#state.notBefore === 0) return;
    this.#state = { failures: 0, notBefore: 0 };
    await writeJsonFile(this.#path, this.#state);
  }
}
