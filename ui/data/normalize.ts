// The daemon's JSON read into the UI's views (ui/data/views.ts). Tasks and executions use
// DataSync's PascalCase names (DescribeTask, DescribeTaskExecution); camelCase is accepted too.
// Nothing here throws: a missing number reads as 0, a missing string as ''.
import type {
  DestinationProgressView,
  DeviceInfoView,
  ExecutionView,
  RecoveryPointView,
  ReportView,
  RestoreView,
  TaskView,
  TransferView,
  VerifyResultView,
} from './views.js';

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

/** The first of `keys` present in `o`, looked up as given and with the first letter's case flipped. */
function pick(o: Json, ...keys: string[]): unknown {
  for (const k of keys) {
    for (const name of [k, k.charAt(0).toLowerCase() + k.slice(1), k.charAt(0).toUpperCase() + k.slice(1)]) {
      if (o[name] !== undefined && o[name] !== null) return o[name];
    }
  }
  return undefined;
}

function str(o: Json, ...keys: string[]): string {
  const v = pick(o, ...keys);
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function optStr(o: Json, ...keys: string[]): string | undefined {
  const s = str(o, ...keys);
  return s === '' ? undefined : s;
}

function num(o: Json, ...keys: string[]): number {
  const v = pick(o, ...keys);
  return typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : 0;
}

function optNum(o: Json, ...keys: string[]): number | undefined {
  const v = pick(o, ...keys);
  return v === undefined ? undefined : num(o, ...keys);
}

/** A list from an array or from the first array-valued field of an object ({Tasks: [...]}). */
export function listOf(v: unknown, ...keys: string[]): unknown[] {
  if (Array.isArray(v)) return v;
  const o = obj(v);
  const named = pick(o, ...keys);
  if (Array.isArray(named)) return named;
  const any = Object.values(o).find(Array.isArray);
  return any ?? [];
}

/** The last part of an ARN-like id (`arn:...:task/task-0123` -> `task-0123`). */
function shortId(v: string): string {
  const slash = v.lastIndexOf('/');
  return slash >= 0 ? v.slice(slash + 1) : v;
}

/** DataSync's filter list ([{FilterType, Value}]) or a plain string, as one `|`-separated string. */
function filters(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((f) => (typeof f === 'string' ? f : str(obj(f), 'Value'))).filter((s) => s !== '').join('|');
  return '';
}

export function toTask(v: unknown): TaskView {
  const o = obj(v);
  const current = optStr(o, 'CurrentTaskExecutionId', 'CurrentExecutionId', 'CurrentTaskExecutionArn');
  return {
    id: shortId(str(o, 'TaskId', 'Id', 'TaskArn')),
    name: str(o, 'Name'),
    source: str(o, 'SourceLocationUri', 'Source', 'SourceUri', 'SourceLocationArn'),
    status: str(o, 'Status') || 'AVAILABLE',
    includes: filters(pick(o, 'Includes')),
    excludes: filters(pick(o, 'Excludes')),
    options: obj(pick(o, 'Options')),
    ...(current === undefined ? {} : { currentExecutionId: shortId(current) }),
  };
}

export function toExecution(v: unknown): ExecutionView {
  const o = obj(v);
  const listed = obj(pick(o, 'FilesListed'));
  const result = obj(pick(o, 'Result'));
  const options = obj(pick(o, 'Options'));
  const id = shortId(str(o, 'TaskExecutionId', 'ExecutionId', 'Id', 'TaskExecutionArn'));
  const taskId = optStr(o, 'TaskId', 'TaskArn');
  const bps = optNum(options, 'BytesPerSecond') ?? optNum(o, 'BytesPerSecond');
  const startTime = optStr(o, 'StartTime');
  const verifyMode = optStr(options, 'VerifyMode');
  const errorCode = optStr(result, 'ErrorCode') ?? optStr(o, 'ErrorCode');
  const errorDetail = optStr(result, 'ErrorDetail') ?? optStr(o, 'ErrorDetail');
  const hasResult = Object.keys(result).length > 0;
  const problems = listOf(pick(o, 'FileProblems')).map((p) => ({ path: str(obj(p), 'path'), outcome: str(obj(p), 'outcome'), code: str(obj(p), 'code'), message: str(obj(p), 'message') }));
  const problemCount = optNum(o, 'FileProblemCount');
  return {
    id,
    ...(taskId === undefined ? {} : { taskId: shortId(taskId) }),
    status: str(o, 'Status') || 'UNKNOWN',
    ...(startTime === undefined ? {} : { startTime }),
    ...(bps === undefined ? {} : { bytesPerSecond: bps }),
    ...(verifyMode === undefined ? {} : { verifyMode }),
    estimatedFiles: num(o, 'EstimatedFilesToTransfer'),
    estimatedBytes: num(o, 'EstimatedBytesToTransfer'),
    filesTransferred: num(o, 'FilesTransferred'),
    bytesWritten: num(o, 'BytesWritten'),
    bytesTransferred: num(o, 'BytesTransferred'),
    filesSkipped: num(o, 'FilesSkipped'),
    filesVerified: num(o, 'FilesVerified'),
    filesDeleted: num(o, 'FilesDeleted'),
    filesPrepared: num(o, 'FilesPrepared'),
    filesListed: num(listed, 'AtSource'),
    filesFailed: failedCount(pick(o, 'FilesFailed')),
    ...(errorCode === undefined ? {} : { errorCode }),
    ...(errorDetail === undefined ? {} : { errorDetail }),
    ...(problems.length === 0 ? {} : { problems }),
    ...(problemCount === undefined ? {} : { problemCount }),
    ...(hasResult
      ? { durations: { prepare: num(result, 'PrepareDuration'), transfer: num(result, 'TransferDuration'), verify: num(result, 'VerifyDuration'), total: num(result, 'TotalDuration') } }
      : {}),
  };
}

export function toDeviceInfo(v: unknown): DeviceInfoView {
  // GET /v1/device: the daemon's HardwareSnapshot (appliance/api/schemas/hardware-schemas.ts).
  const o = obj(v);
  const cpu = obj(pick(o, 'cpu'));
  const memory = obj(pick(o, 'memory'));
  const t = obj(pick(o, 'temperatures'));
  const temperatures: { label: string; celsius: number }[] = [];
  if (typeof pick(t, 'mainCelsius') === 'number') temperatures.push({ label: 'CPU', celsius: num(t, 'mainCelsius') });
  if (typeof pick(t, 'maxCelsius') === 'number') temperatures.push({ label: 'max', celsius: num(t, 'maxCelsius') });
  const cores = pick(t, 'coresCelsius');
  if (Array.isArray(cores)) cores.forEach((c, i) => typeof c === 'number' && temperatures.push({ label: `core${i}`, celsius: c }));
  const model = str(cpu, 'model', 'brand');
  const coreCount = optNum(cpu, 'cores');
  const load = optNum(cpu, 'loadPercent');
  const memTotal = optNum(memory, 'totalBytes');
  const memUsed = optNum(memory, 'usedBytes');
  const hostname = optStr(o, 'hostname');
  const dataDisk = obj(pick(o, 'dataDisk'));
  // The data disk comes with capacity and available only; the disk of the same probe with the same
  // two figures is that file system, and gives its used bytes (df's "Used").
  const dataCapacity = num(dataDisk, 'capacityBytes');
  const dataAvailable = num(dataDisk, 'availableBytes');
  const holdsJournal = (x: Json): boolean => Object.keys(dataDisk).length > 0 && optNum(x, 'availableBytes') === dataAvailable && num(x, 'capacityBytes', 'sizeBytes') === dataCapacity;
  const journalDisk = listOf(pick(o, 'disks')).map(obj).find(holdsJournal);
  const disks = listOf(pick(o, 'disks')).map((d) => {
    const x = obj(d);
    const available = optNum(x, 'availableBytes');
    return {
      name: str(x, 'filesystem', 'name'),
      mount: str(x, 'mount'),
      sizeBytes: num(x, 'capacityBytes', 'sizeBytes'),
      usedBytes: num(x, 'usedBytes'),
      ...(available === undefined ? {} : { availableBytes: available }),
      ...(x === journalDisk ? { holdsJournal: true } : {}),
    };
  });
  const data =
    Object.keys(dataDisk).length === 0
      ? undefined
      : { totalBytes: dataCapacity, freeBytes: dataAvailable, ...(journalDisk === undefined ? {} : { usedBytes: num(journalDisk, 'usedBytes') }) };
  const missing = listOf(pick(o, 'missing')).map((m) => `${str(obj(m), 'probe')}: ${str(obj(m), 'reason')}`);
  return {
    ...(hostname === undefined ? {} : { hostname }),
    ...(model === '' ? {} : { cpu: coreCount === undefined ? model : `${model} (${coreCount} cores)` }),
    ...(load === undefined ? {} : { cpuLoadPercent: load }),
    ...(memTotal === undefined ? {} : { memoryTotal: memTotal }),
    ...(memUsed === undefined ? {} : { memoryUsed: memUsed }),
    temperatures,
    disks,
    nics: listOf(pick(o, 'network', 'nics'))
      .filter((n) => pick(obj(n), 'internal') !== true)
      .map((n) => {
        const x = obj(n);
        const speed = optNum(x, 'speedMbps');
        const up = pick(x, 'up');
        return {
          name: str(x, 'name'),
          address: str(x, 'ipv4', 'address') || str(x, 'ipv6'),
          mac: str(x, 'mac'),
          up: up !== false,
          ...(speed === undefined || speed <= 0 ? {} : { speedMbps: speed }),
        };
      }),
    ...(data === undefined ? {} : { dataDisk: data }),
    missing,
  };
}

function toDestination(v: unknown): DestinationProgressView {
  // RunStatus.destinations[]: {uri, status, counters: DescribeTaskExecution counters, result}.
  const o = obj(v);
  const c = Object.keys(obj(pick(o, 'counters'))).length > 0 ? obj(pick(o, 'counters')) : o;
  const result = obj(pick(o, 'result'));
  const errorCode = optStr(result, 'ErrorCode');
  const errorDetail = optStr(result, 'ErrorDetail');
  return {
    uri: str(o, 'uri', 'destination'),
    status: str(o, 'status') || '-',
    filesDone: num(c, 'FilesTransferred', 'filesDone'),
    filesTotal: num(c, 'EstimatedFilesToTransfer', 'filesTotal'),
    bytesDone: num(c, 'BytesWritten', 'bytesDone'),
    bytesTotal: num(c, 'EstimatedBytesToTransfer', 'bytesTotal'),
    filesFailed: failedCount(pick(c, 'FilesFailed')),
    filesSkipped: num(c, 'FilesSkipped'),
    filesVerified: num(c, 'FilesVerified'),
    ...(errorCode === undefined ? {} : { errorCode }),
    ...(errorDetail === undefined ? {} : { errorDetail }),
  };
}

/** DataSync's FilesFailed: a count, or one count per phase (Prepare, Transfer, Verify, Delete). */
function failedCount(v: unknown): number {
  if (typeof v === 'number') return v;
  const f = obj(v);
  return num(f, 'Prepare') + num(f, 'Transfer') + num(f, 'Verify') + num(f, 'Delete');
}

/** GET /v1/import: the daemon's TransferRunStatus. */
export function toTransfer(v: unknown): TransferView {
  const o = obj(v);
  const executionId = optStr(o, 'executionId');
  const error = obj(pick(o, 'error'));
  const message = Object.keys(error).length > 0 ? `${str(error, 'message')} [${str(error, 'code')}]` : undefined;
  return {
    status: str(o, 'state', 'status') || 'IDLE',
    ...(executionId === undefined ? {} : { executionId }),
    destinations: listOf(pick(o, 'destinations')).map(toDestination),
    ...(message === undefined ? {} : { message }),
  };
}

/** GET /v1/sync: state, schedule, and the current (else the last) run. */
export function toSync(v: unknown): TransferView {
  const o = obj(v);
  const current = pick(o, 'current');
  const last = pick(o, 'last');
  const run = current ?? last;
  const runView = run === undefined ? undefined : toTransfer(run);
  const schedule = optStr(o, 'schedule');
  const next = optStr(o, 'nextRunAt');
  const lastError = obj(pick(o, 'lastError'));
  const parts = [
    schedule === undefined ? undefined : `schedule ${schedule}${next === undefined ? '' : `, next run ${next}`}`,
    current === undefined && runView !== undefined ? `last run ${runView.status}` : undefined,
    Object.keys(lastError).length > 0 ? `last error: ${str(lastError, 'message')} [${str(lastError, 'code')}]` : runView?.message,
  ].filter((x): x is string => x !== undefined);
  return {
    status: str(o, 'state') || 'IDLE',
    ...(runView?.executionId === undefined ? {} : { executionId: runView.executionId }),
    destinations: runView?.destinations ?? [],
    ...(parts.length === 0 ? {} : { message: parts.join('; ') }),
  };
}

/** GET /v1/journal/points: one recovery point. */
export function toPoint(v: unknown): RecoveryPointView {
  const o = obj(v);
  return {
    id: str(o, 'id'),
    seq: str(o, 'seq'),
    taskId: str(o, 'taskId'),
    taskName: str(o, 'taskName'),
    status: str(o, 'status') || '-',
    startTime: str(o, 'startTime'),
    endTime: str(o, 'endTime'),
    files: num(o, 'files'),
    bytes: num(o, 'bytes'),
  };
}

/** GET /v1/journal/points: `{points: [...]}`, oldest first. */
export function toPoints(v: unknown): RecoveryPointView[] {
  return listOf(v, 'points').map(toPoint);
}

/**
 * GET/POST /v1/restore and the restore.progress/restore.status events: a RunStatus with the point
 * and the target. The events carry the run alone; `previous` gives them the point and target.
 */
export function toRestore(v: unknown, previous?: RestoreView): RestoreView {
  const o = obj(v);
  const run = toTransfer(o);
  const error = obj(pick(o, 'error'));
  const executionId = run.executionId;
  const same = previous !== undefined && (executionId === undefined || previous.executionId === executionId);
  const startedAt = optStr(o, 'startedAt');
  const endedAt = optStr(o, 'endedAt');
  return {
    ...run,
    point: str(o, 'point') || (same ? previous.point : ''),
    target: str(o, 'target') || (same ? previous.target : ''),
    ...(startedAt === undefined ? {} : { startedAt }),
    ...(endedAt === undefined ? {} : { endedAt }),
    ...(Object.keys(error).length === 0 ? {} : { error: { code: str(error, 'code') || 'INTERNAL', message: str(error, 'message') } }),
  };
}

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** GET /v1/report: the four report files as text (summary.json, the CSV logs, summary.txt). */
export function toReport(v: unknown): ReportView {
  const o = obj(v);
  let summary: Json = {};
  try {
    summary = obj(JSON.parse(str(o, 'summary.json') || '{}'));
  } catch {
    summary = {};
  }
  const [header, ...rows] = parseCsv(str(o, 'failure-log.csv'));
  const col = (name: string): number => header?.indexOf(name) ?? -1;
  const failures = rows
    .filter((r) => r.length > 1)
    .map((r) => ({ path: r[col('path')] ?? '', code: r[col('error_code')] ?? '', message: r[col('message')] ?? '' }));
  const text = str(o, 'summary.txt')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const failuresAt = text.findIndex((l) => l.startsWith('Failures ('));
  const finishedAt = optStr(summary, 'endedAt');
  const filesTotal = optNum(summary, 'filesInJournal');
  const filesFailed = optNum(summary, 'filesFailed');
  const bytes = optNum(summary, 'bytesInJournal');
  return {
    status: str(summary, 'status') || '-',
    ...(filesTotal === undefined ? {} : { filesTotal }),
    ...(filesTotal === undefined || filesFailed === undefined ? {} : { filesSucceeded: filesTotal - filesFailed }),
    ...(filesFailed === undefined ? {} : { filesFailed }),
    ...(bytes === undefined ? {} : { bytes }),
    ...(finishedAt === undefined ? {} : { finishedAt }),
    summaryLines: (failuresAt < 0 ? text : text.slice(0, failuresAt)).slice(1),
    failures,
  };
}

export function toVerifyResult(v: unknown): VerifyResultView {
  const o = obj(v);
  const problems = pick(o, 'problems');
  return {
    ok: pick(o, 'ok') === true,
    records: num(o, 'records'),
    files: num(o, 'files'),
    problems: Array.isArray(problems) ? problems.map((p) => ({ kind: str(obj(p), 'kind'), message: str(obj(p), 'message') })) : [],
  };
}
