// The device: lifecycle state, keys and the journal, owned by the daemon (ARCHITECTURE.md,
// "Lifecycle", "Keys"). It starts holding no key whatever its state; unlock with the manifest and
// the code gives it the job's keys until lock, erase or exit.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { KeyRing } from '../crypto/key-ring.js';
import type { SigningKey } from '../crypto/signing.js';
import { FloeError, isFloeError } from '../errors.js';
import { Journal, type JournalStats } from '../journal/journal.js';
import { sealJournal } from '../journal/seal.js';
import { verifyJournal, type VerifyReport } from '../journal/verify.js';
import { overwriteAndRemove, type OverwriteResult } from './erase.js';
import { checkAction, eraseRefusal, hasLabel, jobTypeOf, lifecycleOf, lockRefusal, type JobLifecycle, type JobType, type LifecycleAction } from './job-lifecycle.js';
import type { DeviceStatus, LifecycleState, ShippingLabel, UnlockProgress } from './lifecycle-state.js';
import { openManifestForDevice, type DeviceIdentity } from './manifest-access.js';
import { deviceDir, readJsonFile, writeJsonFile } from './state-files.js';
import { UnlockThrottle } from './unlock-throttle.js';

interface LifecycleFile {
  state: LifecycleState;
  since: string;
  sealFingerprint?: string;
  sealedAt?: string;
}

export interface EraseRecord {
  readonly erasedAt: string;
  readonly jobId: string;
  readonly deviceId: string;
  /** Absent from records written before EXPORT jobs: IMPORT. */
  readonly jobType?: JobType;
  readonly method: string;
  readonly filesOverwritten: number;
  readonly bytesOverwritten: number;
  readonly forced: boolean;
}

/** What lock asks of whoever runs executions (ingest, sync): are any running, and stop them. */
export interface ExecutionControl {
  running(): number;
  cancelAll(): Promise<void>;
}

interface Unlocked {
  readonly ring: KeyRing;
  readonly deviceKey: SigningKey;
  readonly journal: Journal;
}

export class Device extends EventEmitter {
  readonly dataDir: string;
  readonly identity: DeviceIdentity;
  #life: LifecycleFile;
  readonly #throttle: UnlockThrottle;
  #keys: Unlocked | null = null;
  #busy: Promise<unknown> = Promise.resolve();
  #executions: ExecutionControl | null = null;
  readonly #moreExecutions = new Set<ExecutionControl>();

  private constructor(dataDir: string, identity: DeviceIdentity, life: LifecycleFile, throttle: UnlockThrottle) {
    super();
    this.dataDir = dataDir;
    this.identity = identity;
    this.#life = life;
    this.#throttle = throttle;
  }

  static async load(dataDir: string): Promise<Device> {
    const identity = await readJsonFile<DeviceIdentity>(join(deviceDir(dataDir), 'identity.json'));
    const life = await readJsonFile<LifecycleFile>(join(deviceDir(dataDir), 'lifecycle.json'));
    const erased = await readJsonFile<EraseRecord>(join(deviceDir(dataDir), 'erase-record.json'));
    if (life?.state === 'ERASED' && erased) {
      const identity: DeviceIdentity = { jobId: erased.jobId, deviceId: erased.deviceId, jobType: jobTypeOf(erased.jobType), devicePublicKey: '', returnAddress: {} };
      return new Device(dataDir, identity, life, await UnlockThrottle.load(dataDir));
    }
    if (identity === undefined || life === undefined) {
      throw new FloeError('NOT_FOUND', `${dataDir} is not a provisioned floe device (run floe provision first)`);
    }
    return new Device(dataDir, identity, life, await UnlockThrottle.load(dataDir));
  }

  get state(): LifecycleState {
    return this.#life.state;
  }

  get unlocked(): boolean {
    return this.#keys !== null;
  }

  /** IMPORT or EXPORT, from the identity provisioning wrote (checked against the manifest at unlock). */
  get jobType(): JobType {
    return jobTypeOf(this.identity.jobType);
  }

  /** The rules of this device's direction (job-lifecycle.ts). */
  get lifecycle(): JobLifecycle {
    return lifecycleOf(this.jobType);
  }

  /** Throws INVALID_STATE when `action` does not run in the current state of this job's direction. */
  checkAction(action: LifecycleAction): void {
    checkAction(this.jobType, action, this.#life.state);
  }

  /** Ingest and sync register here so that lock can refuse or cancel them. */
  setExecutionControl(control: ExecutionControl | null): void {
    this.#executions = control;
  }

  /** For a second runner of executions (online sync beside ingest): lock asks every one. Returns the removal. */
  addExecutionControl(control: ExecutionControl): () => void {
    this.#moreExecutions.add(control);
    return () => void this.#moreExecutions.delete(control);
  }

  #controls(): ExecutionControl[] {
    return [...(this.#executions === null ? [] : [this.#executions]), ...this.#moreExecutions];
  }

  status(): DeviceStatus {
    const base: DeviceStatus = {
      state: this.#life.state,
      snowballJobState: this.lifecycle.snowballJobState[this.#life.state] ?? 'Complete',
      since: this.#life.since,
      jobId: this.identity.jobId,
      jobType: this.jobType,
      deviceId: this.identity.deviceId,
      unlocked: this.unlocked,
      unlockRetryAfterSeconds: Math.ceil(this.#throttle.retryAfterMs() / 1000),
      failedUnlockAttempts: this.#throttle.failures,
    };
    return this.#life.sealFingerprint ? { ...base, sealFingerprint: this.#life.sealFingerprint } : base;
  }

  /** The open journal, for the ingest and import engines. */
  journal(): Journal {
    if (this.#keys === null) throw new FloeError('DEVICE_LOCKED', 'the device holds no key: unlock it with the manifest and the unlock code');
    return this.#keys.journal;
  }

  unlock(manifest: Buffer, code: string): Promise<DeviceStatus> {
    return this.#serial(() => this.#unlock(manifest, code));
  }

  lock(options: { cancelRunning?: boolean } = {}): Promise<ShippingLabel> {
    return this.#serial(() => this.#lock(options));
  }

  label(): ShippingLabel {
    const { sealFingerprint, sealedAt } = this.#life;
    if (!sealFingerprint || !sealedAt || !hasLabel(this.jobType, this.#life.state)) {
      throw new FloeError('INVALID_STATE', `there is no shipping label in state ${this.#life.state}: the label exists once the device is locked`);
    }
    // The addresses follow the direction: to the facility on the way in, to the customer on the way out.
    const { returnAddress, shippingAddress } = this.identity;
    const [shipTo, shipFrom] = this.jobType === 'EXPORT' ? [shippingAddress ?? {}, returnAddress] : [returnAddress, shippingAddress];
    return {
      jobId: this.identity.jobId,
      deviceId: this.identity.deviceId,
      jobType: this.jobType,
      shipTo,
      ...(shipFrom === undefined ? {} : { shipFrom }),
      returnAddress,
      sealFingerprint,
      sealedAt,
    };
  }

  async journalStats(): Promise<JournalStats> {
    return this.journal().stats();
  }

  async verifyJournal(onProgress?: (p: UnlockProgress) => void): Promise<VerifyReport> {
    const journal = this.journal();
    return verifyJournal(journal, {
      devicePublicKey: Buffer.from(this.identity.devicePublicKey, 'hex'),
      onProgress: onProgress && ((p) => onProgress({ phase: 'journal', ...p })),
    });
  }

  /** AT_FACILITY (or a finished import) -> IMPORTING. */
  beginImport(): Promise<void> {
    return this.#serial(async () => {
      this.journal();
      await this.#transition('IMPORTING');
    });
  }

  /** IMPORTING -> IMPORTED or IMPORTED_WITH_ERRORS. */
  finishImport(withErrors: boolean): Promise<void> {
    return this.#serial(() => this.#transition(withErrors ? 'IMPORTED_WITH_ERRORS' : 'IMPORTED'));
  }

  /**
   * A restore ran to its end. On an EXPORT device that is the job's delivery: ON_SITE (or an
   * earlier RESTORED*) -> RESTORED or RESTORED_WITH_ERRORS. On an IMPORT device a restore is a
   * recovery, not the job, and the state stays as it is.
   */
  finishRestore(withErrors: boolean): Promise<void> {
    return this.#serial(async () => {
      const l = this.lifecycle;
      if (l.delivery !== 'restore') return;
      const to = withErrors ? l.deliveredState.withErrors : l.deliveredState.clean;
      if (this.#life.state !== to) await this.#transition(to);
    });
  }

  erase(options: { force?: boolean } = {}): Promise<EraseRecord> {
    return this.#serial(() => this.#erase(options));
  }

  /** Drops every key and closes the journal; the lifecycle state stays as it is. */
  async close(): Promise<void> {
    await this.#serial(() => this.#dropKeys());
  }

  async #unlock(manifest: Buffer, code: string): Promise<DeviceStatus> {
    const state = this.#life.state;
    if (state === 'ERASED') throw new FloeError('INVALID_STATE', 'the device was erased; it holds no job');
    const wait = this.#throttle.retryAfterMs();
    if (wait > 0) {
      const retryAfterSeconds = Math.ceil(wait / 1000);
      throw new FloeError('UNLOCK_DELAYED', `too many wrong unlock codes: try again in ${retryAfterSeconds} s`, { details: { retryAfterSeconds, retryAfterMs: wait } });
    }
    this.emit('progress', { phase: 'manifest' } satisfies UnlockProgress);
    let opened;
    try {
      opened = await openManifestForDevice(manifest, code, this.identity);
    } catch (err) {
      if (isFloeError(err, 'WRONG_UNLOCK_CODE')) {
        const delay = await this.#throttle.recordFailure();
        const retryAfterSeconds = Math.ceil(delay / 1000);
        throw new FloeError('WRONG_UNLOCK_CODE', `${err.message}${delay > 0 ? `; next attempt allowed in ${retryAfterSeconds} s` : ''}`, {
          details: { retryAfterSeconds, retryAfterMs: delay, failedAttempts: this.#throttle.failures },
        });
      }
      throw err;
    }
    await this.#throttle.recordSuccess();
    // Already unlocked: the manifest and code were still checked against this device and job (a
    // script must not read "unlocked" from another device's manifest); the keys held stay as they are.
    if (this.#keys !== null) {
      opened.dek.dispose();
      return this.status();
    }
    const ring = new KeyRing(opened.dek);
    const journalDir = join(this.dataDir, 'journal');
    let journal: Journal;
    try {
      if (state === 'PROVISIONED') journal = await Journal.create(journalDir, ring);
      else journal = await Journal.open(journalDir, ring, { repairTornTail: state !== 'LOCKED' });
    } catch (err) {
      ring.dispose();
      throw err;
    }
    this.#keys = { ring, deviceKey: opened.deviceKey, journal };
    try {
      if (state === 'PROVISIONED') await this.#transition(this.lifecycle.fillState);
      else if (state === 'LOCKED') await this.#checkSealThenArrive();
    } catch (err) {
      await this.#dropKeys();
      throw err;
    }
    return this.status();
  }

  /**
   * The unlock after shipping (ARCHITECTURE.md, "Lifecycle"): the whole journal against the seal,
   * then the arrival state: AT_FACILITY before an import, ON_SITE before an EXPORT's restore.
   */
  async #checkSealThenArrive(): Promise<void> {
    const report = await this.verifyJournal((p) => this.emit('progress', { ...p, phase: 'seal-check' }));
    const problems = report.problems.map((p) => p.message);
    const last = report.seals.at(-1);
    if (last === undefined) problems.push('the journal holds no seal');
    else if (last.fingerprint !== this.#life.sealFingerprint) problems.push(`the last seal is ${last.fingerprint}; the label says ${this.#life.sealFingerprint}`);
    if (report.recordsAfterLastSeal > 0) problems.push(`${report.recordsAfterLastSeal} records were appended after the seal`);
    if (problems.length > 0) {
      throw new FloeError('SEAL_MISMATCH', `the journal does not match its seal: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, {
        details: { problems, affectedPaths: report.affectedPaths },
      });
    }
    await this.#transition(this.lifecycle.arrivalState);
  }

  async #lock(options: { cancelRunning?: boolean }): Promise<ShippingLabel> {
    const from = this.#life.state;
    const refusal = lockRefusal(this.jobType, from);
    if (refusal !== undefined) throw refusal;
    const keys = this.#keys;
    if (keys === null) throw new FloeError('DEVICE_LOCKED', 'unlock the device before locking it for shipping (the seal needs the job keys)');
    const running = this.#controls().reduce((n, c) => n + c.running(), 0);
    if (running > 0) {
      if (!options.cancelRunning) throw new FloeError('CONFLICT', `${running} execution(s) running: wait for them, cancel them, or lock with --cancel-running`);
      for (const control of this.#controls()) await control.cancelAll();
    }
    await keys.journal.appendEvent({ kind: 'lifecycle', from, to: 'LOCKED', at: new Date().toISOString() });
    const seal = await sealJournal(keys.journal, keys.deviceKey);
    await this.#writeLife({ state: 'LOCKED', since: new Date().toISOString(), sealFingerprint: seal.fingerprint, sealedAt: seal.body.sealedAt });
    await this.#dropKeys();
    this.emit('lifecycle', { from, to: 'LOCKED', at: this.#life.since });
    return this.label();
  }

  async #erase(options: { force?: boolean }): Promise<EraseRecord> {
    const state = this.#life.state;
    const refusal = eraseRefusal(this.jobType, state, Boolean(options.force));
    if (refusal !== undefined) throw refusal;
    await this.#dropKeys();
    const result: OverwriteResult = { files: 0, bytes: 0 };
    const dev = deviceDir(this.dataDir);
    await overwriteAndRemove(join(this.dataDir, 'journal'), result);
    for (const name of ['identity.json', 'api-token', 'tls-key.pem', 'unlock-attempts.json']) await overwriteAndRemove(join(dev, name), result);
    const record: EraseRecord = {
      erasedAt: new Date().toISOString(),
      jobId: this.identity.jobId,
      deviceId: this.identity.deviceId,
      jobType: this.jobType,
      method: 'NIST SP 800-88 Rev. 1 purge: cryptographic erase (the job data key was never stored on the device) plus one random overwrite of every journal, identity and token file',
      filesOverwritten: result.files,
      bytesOverwritten: result.bytes,
      forced: Boolean(options.force) && !this.lifecycle.delivered.includes(state),
    };
    await writeJsonFile(join(dev, 'erase-record.json'), record, 0o644);
    const from = state;
    await this.#writeLife({ state: 'ERASED', since: record.erasedAt });
    this.emit('lifecycle', { from, to: 'ERASED', at: record.erasedAt });
    return record;
  }

  async #transition(to: LifecycleState): Promise<void> {
    const from = this.#life.state;
    if (!(this.lifecycle.transitions[from] ?? []).includes(to)) throw new FloeError('INVALID_STATE', `the device cannot go from ${from} to ${to}`);
    const at = new Date().toISOString();
    // Recorded in the journal first (durable), then in the state file the key-less daemon reads.
    await this.#keys?.journal.appendEvent({ kind: 'lifecycle', from, to, at });
    await this.#writeLife({ ...this.#life, state: to, since: at });
    this.emit('lifecycle', { from, to, at });
  }

  async #writeLife(life: LifecycleFile): Promise<void> {
    await writeJsonFile(join(deviceDir(this.dataDir), 'lifecycle.json'), life, 0o644);
    this.#life = life;
  }

  async #dropKeys(): Promise<void> {
    const keys = this.#keys;
    this.#keys = null;
    if (keys === null) return;
    try {
      await keys.journal.close();
    } finally {
      keys.ring.dispose();
    }
  }

  /** One lifecycle operation at a time. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#busy.then(fn, fn);
    this.#busy = run.catch(() => undefined);
    return run;
  }
}
