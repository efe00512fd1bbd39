// `GET /metrics`: every number is read from the service that owns it at scrape time (the task
// service's execution descriptions, the import and sync runs, the journal's stats, the hardware
// monitor's snapshot), so a counter here is the very number `floe execution describe` shows.
import type { EventLog } from '../../daemon/event-log.js';
import type { HardwareSnapshot } from '../../device/hardware-snapshot.js';
import type { JournalStats } from '../../journal/journal.js';
import { LIFECYCLE_STATES, type DeviceStatus } from '../../lifecycle/lifecycle-state.js';
import type { ExecutionCounters } from '../../tasks/execution-status.js';
import { FLOE_VERSION } from '../../version.js';
import type { MetricFamily, ScalarFamily, Sample, SummarySample } from './prometheus-text.js';
import type { ThroughputSampler } from './throughput-sampler.js';

/** What the collector needs of an ingest execution (DescribeTaskExecution). */
export interface ExecutionView extends ExecutionCounters {
  readonly TaskExecutionId: string;
  readonly TaskId: string;
  readonly Status: string;
  /** ISO 8601: orders the executions for LABELLED_EXECUTIONS. */
  readonly StartTime: string;
  readonly FileProblems: ReadonlyArray<{ readonly code: string; readonly outcome: string }>;
  readonly FileProblemCount: number;
}

/** What the collector needs of an import or sync run. */
export interface TransferRunView {
  readonly executionId: string;
  readonly state: string;
  readonly destinations: ReadonlyArray<{ readonly uri: string; readonly status: string; readonly counters: ExecutionCounters }>;
  readonly error?: { readonly code: string };
}

/** Event-loop delay of the daemon (perf_hooks.monitorEventLoopDelay), in nanoseconds. */
export interface LoopDelayView {
  percentile(p: number): number;
  readonly max: number;
  readonly mean: number;
  readonly count: number;
}

export interface MetricsSources {
  readonly device: { status(): DeviceStatus; readonly unlocked: boolean; journalStats(): Promise<JournalStats> };
  readonly hardware: { readonly last: HardwareSnapshot | undefined };
  readonly events: EventLog;
  readonly throughput: ThroughputSampler;
  readonly loopDelay?: LoopDelayView;
  /** Ingest executions, as `floe execution list/describe` shows them. */
  readonly executions?: () => Promise<readonly ExecutionView[]>;
  /** The current or last import and sync runs. */
  readonly transfers?: () => ReadonlyArray<{ readonly kind: 'import' | 'sync'; readonly run: TransferRunView }>;
}

class Families {
  readonly list: MetricFamily[] = [];
  add(name: string, type: ScalarFamily['type'], help: string, samples: Sample[]): void {
    this.list.push({ name, type, help, samples });
  }
  addSummary(name: string, help: string, samples: SummarySample[]): void {
    this.list.push({ name, type: 'summary', help, samples });
  }
}

/** The counters of DescribeTaskExecution, with the metric each becomes. */
const COUNTERS: ReadonlyArray<[keyof ExecutionCounters, string, string]> = [
  ['FilesTransferred', 'files_transferred_total', 'files transferred (FilesTransferred)'],
  ['BytesWritten', 'bytes_written_total', 'logical bytes written (BytesWritten)'],
  ['BytesTransferred', 'bytes_transferred_total', 'bytes read and sent (BytesTransferred)'],
  ['FilesSkipped', 'files_skipped_total', 'files skipped (FilesSkipped)'],
  ['FilesVerified', 'files_verified_total', 'files verified (FilesVerified)'],
  ['FilesDeleted', 'files_deleted_total', 'files deleted or tombstoned (FilesDeleted)'],
];
const ESTIMATES: ReadonlyArray<[keyof ExecutionCounters, string, string]> = [
  ['EstimatedFilesToTransfer', 'estimated_files_to_transfer', 'EstimatedFilesToTransfer'],
  ['EstimatedBytesToTransfer', 'estimated_bytes_to_transfer', 'EstimatedBytesToTransfer'],
];
const PHASES = ['Prepare', 'Transfer', 'Verify', 'Delete'] as const;

/**
 * How many ingest executions get series of their own (an `execution` label): every unfinished
 * one, then the latest finished ones by StartTime up to this many in all. The task service keeps
 * every execution ever run, so labelling them all would grow the scrape without bound; the
 * `floe_ingest_*` families sum every execution without an `execution` label.
 */
export const LABELLED_EXECUTIONS = 10;
const FINAL_STATUSES: ReadonlySet<string> = new Set(['SUCCESS', 'ERROR']);
const LABELLED_RULE = `series only for the unfinished executions and the latest finished ones, ${LABELLED_EXECUTIONS} in all; floe_ingest_* sum every execution`;

/** The executions of LABELLED_EXECUTIONS, oldest first. */
export function labelledExecutions<T extends { readonly Status: string; readonly StartTime: string }>(all: readonly T[], limit = LABELLED_EXECUTIONS): T[] {
  const unfinished = all.filter((e) => !FINAL_STATUSES.has(e.Status));
  const latestFinished = all
    .filter((e) => FINAL_STATUSES.has(e.Status))
    .sort((a, b) => b.StartTime.localeCompare(a.StartTime))
    .slice(0, Math.max(0, limit - unfinished.length));
  return [...unfinished, ...latestFinished].sort((a, b) => a.StartTime.localeCompare(b.StartTime));
}

function counterFamilies(f: Families, prefix: string, what: string, rows: ReadonlyArray<{ labels: Record<string, string>; counters: ExecutionCounters }>): void {
  for (const [field, suffix, help] of COUNTERS) f.add(`${prefix}_${suffix}`, 'counter', `${what}: ${help}`, rows.map((r) => ({ labels: r.labels, value: r.counters[field] as number })));
  for (const [field, suffix, help] of ESTIMATES) f.add(`${prefix}_${suffix}`, 'gauge', `${what}: ${help}`, rows.map((r) => ({ labels: r.labels, value: r.counters[field] as number })));
  f.add(
    `${prefix}_files_failed_total`,
    'counter',
    `${what}: files failed, by phase (FilesFailed)`,
    rows.flatMap((r) => PHASES.map((phase) => ({ labels: { ...r.labels, phase: phase.toLowerCase() }, value: r.counters.FilesFailed[phase] }))),
  );
}

export async function collectMetrics(s: MetricsSources): Promise<MetricFamily[]> {
  const f = new Families();
  const status = s.device.status();
  f.add('floe_info', 'gauge', 'floe version', [{ labels: { version: FLOE_VERSION }, value: 1 }]);
  f.add('floe_lifecycle_state', 'gauge', 'the lifecycle state (1 for the current one)', LIFECYCLE_STATES.map((state) => ({ labels: { state }, value: state === status.state ? 1 : 0 })));
  f.add('floe_device_unlocked', 'gauge', 'whether the daemon holds the job keys', [{ value: s.device.unlocked ? 1 : 0 }]);
  f.add('floe_unlock_failed_attempts', 'gauge', 'wrong unlock codes since the last right one', [{ value: status.failedUnlockAttempts }]);

  // Ingest executions.
  const allExecutions = s.executions && s.device.unlocked ? await s.executions().catch(() => []) : [];
  const executions = labelledExecutions(allExecutions);
  const rows = executions.map((e) => ({ labels: { execution: e.TaskExecutionId, task: e.TaskId }, counters: e as ExecutionCounters }));
  counterFamilies(f, 'floe_execution', `ingest execution (${LABELLED_RULE})`, rows);
  f.add('floe_execution_status', 'gauge', `ingest execution status, 1 for the current one (${LABELLED_RULE})`, executions.map((e) => ({ labels: { execution: e.TaskExecutionId, task: e.TaskId, status: e.Status }, value: 1 })));
  f.add('floe_execution_file_problems_total', 'counter', `ingest execution: files skipped or failed with a problem, FileProblemCount (${LABELLED_RULE})`, executions.map((e) => ({ labels: { execution: e.TaskExecutionId, task: e.TaskId }, value: e.FileProblemCount })));
  f.add(
    'floe_execution_errors',
    'gauge',
    `ingest execution: file problems by error code and outcome, from the problems kept, at most 1000 per execution (${LABELLED_RULE})`,
    executions.flatMap((e) => {
      const byCode = new Map<string, number>();
      for (const p of e.FileProblems) byCode.set(`${p.code}\n${p.outcome}`, (byCode.get(`${p.code}\n${p.outcome}`) ?? 0) + 1);
      return [...byCode].map(([key, value]) => {
        const [code, outcome] = key.split('\n') as [string, string];
        return { labels: { execution: e.TaskExecutionId, code, outcome }, value };
      });
    }),
  );
  ingestTotals(f, allExecutions);

  // Import and online sync, per destination.
  const transfers = s.transfers?.() ?? [];
  const transferRows = transfers.flatMap(({ kind, run }) => run.destinations.map((d) => ({ labels: { kind, execution: run.executionId, destination: d.uri }, counters: d.counters })));
  counterFamilies(f, 'floe_transfer', 'import or sync run, per destination', transferRows);
  f.add('floe_transfer_errors', 'gauge', 'import or sync run that ended with an error, by code', transfers.flatMap(({ kind, run }) => (run.error ? [{ labels: { kind, execution: run.executionId, code: run.error.code }, value: 1 }] : [])));

  // Throughput, from the services' own progress events.
  f.add(
    'floe_throughput_bytes_per_second',
    'gauge',
    'bytes per second over the last 10 s, per running ingest execution or transfer destination',
    s.throughput.rates().map((r) => ({ labels: { kind: r.kind, execution: r.execution, ...(r.destination === undefined ? {} : { destination: r.destination }) }, value: r.bytesPerSecond })),
  );

  // Journal (only while the keys are held: its stats come from the open journal).
  const journal = s.device.unlocked ? await s.device.journalStats().catch(() => undefined) : undefined;
  if (journal) {
    f.add('floe_journal_files', 'gauge', 'files in the journal', [{ value: journal.files }]);
    f.add('floe_journal_logical_bytes', 'gauge', 'bytes of all files as ingested', [{ value: journal.logicalBytes }]);
    f.add('floe_journal_chunk_bytes', 'gauge', 'plaintext bytes of distinct chunks', [{ value: journal.chunkBytes }]);
    f.add('floe_journal_stored_bytes', 'gauge', 'bytes of the segment files on disk (journal size)', [{ value: journal.storedBytes }]);
    f.add('floe_journal_segments', 'gauge', 'segment files', [{ value: journal.segments }]);
    f.add('floe_journal_dedup_ratio', 'gauge', 'logical bytes / distinct chunk bytes', [{ value: journal.dedupRatio }]);
  }

  // Hardware, from the monitor's last snapshot (refreshed in the background).
  const hw = s.hardware.last;
  if (hw) {
    f.add('floe_disk_size_bytes', 'gauge', 'file system size', hw.disks.map((d) => ({ labels: { mount: d.mount, filesystem: d.filesystem }, value: d.capacityBytes })));
    f.add('floe_disk_free_bytes', 'gauge', 'file system bytes available', hw.disks.map((d) => ({ labels: { mount: d.mount, filesystem: d.filesystem }, value: d.availableBytes })));
    f.add('floe_data_disk_free_bytes', 'gauge', 'bytes available on the file system of the data folder (journal)', hw.dataDisk ? [{ value: hw.dataDisk.availableBytes }] : []);
    const t = hw.temperatures;
    f.add(
      'floe_temperature_celsius',
      'gauge',
      'device temperatures',
      t === null ? [] : [...(t.mainCelsius === null ? [] : [{ labels: { sensor: 'main' }, value: t.mainCelsius }]), ...t.coresCelsius.map((c, i) => ({ labels: { sensor: `core${i}` }, value: c }))],
    );
    f.add('floe_cpu_load_percent', 'gauge', 'CPU busy over all cores', hw.cpu?.loadPercent == null ? [] : [{ value: hw.cpu.loadPercent }]);
    f.add('floe_memory_available_bytes', 'gauge', 'memory available', hw.memory ? [{ value: hw.memory.availableBytes }] : []);
    f.add('floe_hardware_probe_missing', 'gauge', 'hardware probes that failed in the last snapshot', hw.missing.map((m) => ({ labels: { probe: m.probe }, value: 1 })));
  }
  if (s.loopDelay) {
    const d = s.loopDelay;
    // The histogram counts one delay per timer tick (every 10 ms); its sum is mean × count.
    const count = d.count;
    f.addSummary('floe_event_loop_delay_seconds', 'how late the daemon\'s event loop ran timers since it started (API latency floor); quantile 1 is the maximum', [
      { quantiles: [[0.5, d.percentile(50) / 1e9], [0.99, d.percentile(99) / 1e9], [1, d.max / 1e9]], sum: count === 0 ? 0 : (d.mean * count) / 1e9, count },
    ]);
  }
  f.add('floe_event_stream_subscribers', 'gauge', 'open GET /v1/events streams (and other listeners)', [{ value: s.events.subscribers }]);
  f.add('floe_events_published_total', 'counter', 'events published since the daemon started (the last event id)', [{ value: s.events.lastId }]);
  return f.list;
}

/** Every ingest execution the task service holds, summed: no `execution` label, so bounded. */
function ingestTotals(f: Families, all: readonly ExecutionView[]): void {
  const some = all.length > 0;
  for (const [field, suffix, help] of COUNTERS) f.add(`floe_ingest_${suffix}`, 'counter', `all ingest executions: ${help} summed`, some ? [{ value: sum(all, (e) => e[field] as number) }] : []);
  f.add('floe_ingest_files_failed_total', 'counter', 'all ingest executions: files failed, by phase (FilesFailed) summed', some ? PHASES.map((phase) => ({ labels: { phase: phase.toLowerCase() }, value: sum(all, (e) => e.FilesFailed[phase]) })) : []);
  f.add('floe_ingest_file_problems_total', 'counter', 'all ingest executions: FileProblemCount summed', some ? [{ value: sum(all, (e) => e.FileProblemCount) }] : []);
  const byStatus = new Map<string, number>();
  for (const e of all) byStatus.set(e.Status, (byStatus.get(e.Status) ?? 0) + 1);
  f.add('floe_ingest_executions', 'gauge', 'ingest executions the task service holds, by status', [...byStatus].map(([status, value]) => ({ labels: { status }, value })));
}

function sum<T>(items: readonly T[], get: (t: T) => number): number {
  return items.reduce((a, t) => a + get(t), 0);
}
