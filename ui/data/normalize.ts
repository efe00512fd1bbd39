// The daemon's JSON read into the UI's views (ui/data/views.ts). Tasks and executions use
// DataSync's PascalCase names (DescribeTask, DescribeTaskExecution); camelCase is accepted too.
// Nothing here throws: a missing number reads as 0, a missing string as ''.
import type {
  DestinationProgressView,
  DeviceInfoView,
  ExecutionView,
  ReportFailureView,
  ReportView,
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
  const failed = obj(pick(o, 'FilesFailed'));
  const listed = obj(pick(o, 'FilesListed'));
  const result = obj(pick(o, 'Result'));
  const options = obj(pick(o, 'Options'));
  const id = shortId(str(o, 'TaskExecutionId', 'ExecutionId', 'Id', 'TaskExecutionArn'));
  const taskId = optStr(o, 'TaskId', 'TaskArn');
  const bps = optNum(options, 'BytesPerSecond') ?? optNum(o, 'BytesPerSecond');
  const startTime = optStr(o, 'StartTime');
  const errorCode = optStr(result, 'ErrorCode') ?? optStr(o, 'ErrorCode');
  const errorDetail = optStr(result, 'ErrorDetail') ?? optStr(o, 'ErrorDetail');
  const hasResult = Object.keys(result).length > 0;
  return {
    id,
    ...(taskId === undefined ? {} : { taskId: shortId(taskId) }),
    status: str(o, 'Status') || 'UNKNOWN',
    ...(startTime === undefined ? {} : { startTime }),
    ...(bps === undefined ? {} : { bytesPerSecond: bps }),
    estimatedFiles: num(o, 'EstimatedFilesToTransfer'),
    estimatedBytes: num(o, 'EstimatedBytesToTransfer'),
    filesTransferred: num(o, 'FilesTransferred'),
    bytesWritten: num(o, 'BytesWritten'),
    filesSkipped: num(o, 'FilesSkipped'),
    filesVerified: num(o, 'FilesVerified'),
    filesDeleted: num(o, 'FilesDeleted'),
    filesPrepared: num(o, 'FilesPrepared'),
    filesListed: num(listed, 'AtSource'),
    filesFailed: num(failed, 'Prepare') + num(failed, 'Transfer') + num(failed, 'Verify') + num(failed, 'Delete') + (typeof pick(o, 'FilesFailed') === 'number' ? num(o, 'FilesFailed') : 0),
    ...(errorCode === undefined ? {} : { errorCode }),
    ...(errorDetail === undefined ? {} : { errorDetail }),
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
  const missing = listOf(pick(o, 'missing')).map((m) => `${str(obj(m), 'probe')}: ${str(obj(m), 'reason')}`);
  return {
    ...(hostname === undefined ? {} : { hostname }),
    ...(model === '' ? {} : { cpu: coreCount === undefined ? model : `${model} (${coreCount} cores)` }),
    ...(load === undefined ? {} : { cpuLoadPercent: load }),
    ...(memTotal === undefined ? {} : { memoryTotal: memTotal }),
    ...(memUsed === undefined ? {} : { memoryUsed: memUsed }),
    temperatures,
    disks: listOf(pick(o, 'disks')).map((d) => {
      const x = obj(d);
      return { name: str(x, 'filesystem', 'name'), mount: str(x, 'mount'), sizeBytes: num(x, 'capacityBytes', 'sizeBytes'), usedBytes: num(x, 'usedBytes') };
    }),
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
    ...(Object.keys(dataDisk).length > 0 ? { dataDisk: { totalBytes: num(dataDisk, 'capacityBytes'), freeBytes: num(dataDisk, 'availableBytes') } } : {}),
    missing,
  };
}

function toDestination(v: unknown): DestinationProgressView {
  const o = obj(v);
  return {
    uri: str(o, 'uri', 'destination', 'Destination', 'DestinationUri', 'name'),
    status: str(o, 'status', 'Status') || '-',
    filesDone: num(o, 'filesDone', 'filesDelivered', 'FilesTransferred', 'filesTransferred', 'files'),
    filesTotal: num(o, 'filesTotal', 'EstimatedFilesToTransfer', 'estimatedFiles', 'totalFiles'),
    bytesDone: num(o, 'bytesDone', 'bytesDelivered', 'BytesWritten', 'bytesWritten', 'bytes'),
    bytesTotal: num(o, 'bytesTotal', 'EstimatedBytesToTransfer', 'estimatedBytes', 'totalBytes'),
    filesFailed: num(o, 'filesFailed', 'failed', 'failures'),
  };
}

export function toTransfer(v: unknown): TransferView {
  const o = obj(v);
  const dests = pick(o, 'destinations', 'Destinations', 'perDestination');
  const list = Array.isArray(dests) ? dests.map(toDestination) : Object.keys(obj(dests)).length > 0 ? Object.entries(obj(dests)).map(([uri, d]) => ({ ...toDestination(d), uri })) : [];
  const executionId = optStr(o, 'executionId', 'TaskExecutionId', 'ExecutionId');
  const message = optStr(o, 'message', 'ErrorDetail', 'error');
  // One execution with no per-destination breakdown: show it as a single row.
  if (list.length === 0 && (pick(o, 'BytesWritten', 'bytesWritten', 'FilesTransferred', 'filesTransferred') !== undefined)) list.push(toDestination(o));
  return {
    status: str(o, 'status', 'Status', 'state') || 'IDLE',
    ...(executionId === undefined ? {} : { executionId }),
    destinations: list,
    ...(message === undefined ? {} : { message }),
  };
}

function toFailure(v: unknown): ReportFailureView {
  const o = obj(v);
  return { path: str(o, 'path', 'key', 'name'), code: str(o, 'code', 'errorCode', 'ErrorCode'), message: str(o, 'message', 'errorMessage', 'error') };
}

export function toReport(v: unknown): ReportView {
  const o = obj(v);
  const summary = obj(pick(o, 'summary'));
  const s = Object.keys(summary).length > 0 ? summary : o;
  const failures = pick(o, 'failures', 'failed', 'failureLog');
  const human = pick(o, 'humanSummary', 'text', 'summaryText');
  const filesTotal = optNum(s, 'filesTotal', 'files', 'totalFiles');
  const filesSucceeded = optNum(s, 'filesSucceeded', 'succeeded', 'filesImported', 'filesTransferred');
  const filesFailed = optNum(s, 'filesFailed', 'failed', 'failures');
  const bytes = optNum(s, 'bytes', 'bytesTransferred', 'bytesImported');
  const finishedAt = optStr(s, 'finishedAt', 'completedAt', 'endTime');
  return {
    status: str(o, 'status') || str(s, 'status') || '-',
    ...(filesTotal === undefined ? {} : { filesTotal }),
    ...(filesSucceeded === undefined ? {} : { filesSucceeded }),
    ...(filesFailed === undefined || typeof filesFailed !== 'number' ? {} : { filesFailed }),
    ...(bytes === undefined ? {} : { bytes }),
    ...(finishedAt === undefined ? {} : { finishedAt }),
    summaryLines: typeof human === 'string' ? human.split('\n').filter((l) => l.trim() !== '') : [],
    failures: Array.isArray(failures) ? failures.map(toFailure) : [],
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
