// What the journal knows about deliveries (docs/transfer.md, "Delivery records"): every file put
// into a destination, every multipart/part-file resume state, every failure and every execution
// start and end are durable journal events. The ledger replays them on open, so a restarted import
// skips delivered files and resumes interrupted uploads by their upload id.
import { sha256 } from '../crypto/hash.js';
import type { ResumeState } from '../destinations/destination.js';
import type { FileEntry } from '../journal/file-entry.js';
import type { Journal } from '../journal/journal.js';
import { encodeFileEntry } from '../journal/records.js';

/** 'copy': an agentless copy from a source (docs/copy.md); its records hold no data, only what was delivered. */
export type TransferKind = 'import' | 'sync' | 'restore' | 'copy';

/** Identifies one version of one file: SHA-256 of its encoded entry (content, chunks and metadata). */
export function entryFingerprint(entry: FileEntry): string {
  return sha256(encodeFileEntry(entry)).toString('hex');
}

export interface DeliveryRecord {
  readonly kind: 'delivery';
  readonly destination: string;
  readonly key: string;
  readonly entry: string;
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  readonly etag?: string;
  readonly executionId: string;
  readonly transfer: TransferKind;
  readonly at: string;
}

export interface FailureRecord {
  readonly kind: 'delivery-failure';
  readonly destination: string;
  readonly key: string;
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  readonly phase: 'prepare' | 'transfer' | 'verify';
  readonly code: string;
  readonly message: string;
  readonly executionId: string;
  readonly at: string;
}

export interface ExecutionRecord {
  readonly kind: 'transfer-execution';
  readonly executionId: string;
  readonly destination: string;
  readonly transfer: TransferKind;
  readonly event: 'start' | 'end';
  readonly at: string;
  readonly status?: string;
  readonly summary?: Readonly<Record<string, unknown>>;
}

interface ResumeRecord {
  readonly kind: 'delivery-resume';
  readonly destination: string;
  readonly key: string;
  readonly entry: string;
  readonly state: ResumeState;
}

interface InvalidRecord {
  readonly kind: 'delivery-invalid';
  readonly destination: string;
  readonly key: string;
  readonly executionId: string;
  readonly code: string;
}

/** Deliveries recorded together in one journal event (docs/transfer.md): one record, one fsync. */
interface DeliveryBatch {
  readonly kind: 'deliveries';
  readonly items: readonly DeliveryRecord[];
}

const KINDS = new Set(['delivery', 'deliveries', 'delivery-failure', 'delivery-resume', 'delivery-invalid', 'transfer-execution']);
/**
 * A batch is written when it holds this many deliveries, or this long after its first. Each write
 * is an fdatasync; a crash loses at most one window of records, whose objects the next run finds
 * in place (docs/transfer.md, "Crash and resume").
 */
const BATCH_SIZE = 512;
const BATCH_DELAY_MS = 250;

type LedgerRecord = DeliveryRecord | DeliveryBatch | FailureRecord | ResumeRecord | InvalidRecord | ExecutionRecord;

export class DeliveryLedger {
  readonly #journal: Journal;
  /** destination -> key -> the latest delivery. */
  readonly #delivered = new Map<string, Map<string, DeliveryRecord>>();
  readonly #resume = new Map<string, { entry: string; state: ResumeState }>();
  readonly #failures: FailureRecord[] = [];
  readonly #executions: ExecutionRecord[] = [];
  #batch: { items: DeliveryRecord[]; done: Promise<void>; timer: NodeJS.Timeout; write: () => void } | undefined;

  private constructor(journal: Journal) {
    this.#journal = journal;
  }

  /** Replays the journal's delivery events. */
  static async open(journal: Journal): Promise<DeliveryLedger> {
    const ledger = new DeliveryLedger(journal);
    for await (const { event } of journal.events()) {
      if (KINDS.has(event.kind)) ledger.#apply(event as unknown as LedgerRecord);
    }
    return ledger;
  }

  /** The delivery of this very version of the file to `destination`, if any. */
  delivered(destination: string, key: string, fingerprint: string): DeliveryRecord | undefined {
    const record = this.#delivered.get(destination)?.get(key);
    return record?.entry === fingerprint ? record : undefined;
  }

  /** Every current delivery to `destination`, by key. */
  deliveries(destination: string): ReadonlyMap<string, DeliveryRecord> {
    return this.#delivered.get(destination) ?? new Map();
  }

  resumeState(destination: string, key: string, fingerprint: string): ResumeState | undefined {
    const saved = this.#resume.get(resumeKey(destination, key));
    return saved?.entry === fingerprint ? saved.state : undefined;
  }

  failures(executionId?: string): readonly FailureRecord[] {
    return executionId === undefined ? this.#failures : this.#failures.filter((f) => f.executionId === executionId);
  }

  executions(): readonly ExecutionRecord[] {
    return this.#executions;
  }

  /** True when the last execution into `destination` started and never recorded its end (a crash). */
  interrupted(destination: string): boolean {
    const last = this.#executions.filter((e) => e.destination === destination).at(-1);
    return last?.event === 'start';
  }

  /**
   * Records a delivery; resolves once it is durable. Deliveries close together in time share one
   * journal event (up to BATCH_SIZE, within BATCH_DELAY_MS), so many small files cost one record
   * and one fsync.
   */
  async recordDelivery(record: Omit<DeliveryRecord, 'kind' | 'at'>): Promise<DeliveryRecord> {
    const full: DeliveryRecord = { kind: 'delivery', ...record, at: new Date().toISOString() };
    let batch = this.#batch;
    if (batch === undefined) {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      const items: DeliveryRecord[] = [];
      const write = () => {
        clearTimeout(timer);
        if (this.#batch?.items === items) this.#batch = undefined;
        const record: LedgerRecord = items.length === 1 ? items[0]! : { kind: 'deliveries', items };
        this.#append(record).then(resolve, reject);
      };
      const timer = setTimeout(write, BATCH_DELAY_MS);
      batch = this.#batch = { items, done, timer, write };
    }
    batch.items.push(full);
    const done = batch.done;
    if (batch.items.length >= BATCH_SIZE) batch.write();
    await done;
    return full;
  }

  /** Writes the deliveries waiting for their batch's window now (the end of an execution). */
  flush(): void {
    this.#batch?.write();
  }

  async recordResume(destination: string, key: string, entry: string, state: ResumeState): Promise<void> {
    await this.#append({ kind: 'delivery-resume', destination, key, entry, state });
  }

  async recordFailure(record: Omit<FailureRecord, 'kind' | 'at'>): Promise<FailureRecord> {
    const full: FailureRecord = { kind: 'delivery-failure', ...record, at: new Date().toISOString() };
    await this.#append(full);
    return full;
  }

  /** Forgets a delivery that verification found wrong, so the next run delivers the file again. */
  async recordInvalid(destination: string, key: string, executionId: string, code: string): Promise<void> {
    await this.#append({ kind: 'delivery-invalid', destination, key, executionId, code });
  }

  async recordExecution(record: Omit<ExecutionRecord, 'kind' | 'at'>): Promise<void> {
    await this.#append({ kind: 'transfer-execution', ...record, at: new Date().toISOString() });
  }

  async #append(record: LedgerRecord): Promise<void> {
    await this.#journal.appendEvent(record as unknown as { kind: string } & Record<string, unknown>);
    this.#apply(record);
  }

  #apply(record: LedgerRecord): void {
    switch (record.kind) {
      case 'deliveries':
        for (const item of record.items) this.#apply(item);
        break;
      case 'delivery': {
        let byKey = this.#delivered.get(record.destination);
        if (byKey === undefined) this.#delivered.set(record.destination, (byKey = new Map()));
        byKey.set(record.key, record);
        this.#resume.delete(resumeKey(record.destination, record.key));
        break;
      }
      case 'delivery-invalid':
        this.#delivered.get(record.destination)?.delete(record.key);
        break;
      case 'delivery-resume':
        this.#resume.set(resumeKey(record.destination, record.key), { entry: record.entry, state: record.state });
        break;
      case 'delivery-failure':
        this.#failures.push(record);
        break;
      case 'transfer-execution':
        this.#executions.push(record);
        break;
    }
  }
}

function resumeKey(destination: string, key: string): string {
  return `${destination}\u0000${key}`;
}
