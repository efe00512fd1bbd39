// FloeSource over the daemon's HTTP API, through the CLI's ApiClient. The client is made from
// <data>/device/daemon.json on first use and made again after reset(): a restarted daemon may
// listen on another port.
import { readFile, statfs } from 'node:fs/promises';
import { ApiClient } from '../../appliance/cli/api-client.js';
import type { DiskSpace, DiskSpaceSource, FloeSource } from './floe-source.js';
import { listOf, toDeviceInfo, toExecution, toPoints, toReport, toRestore, toSync, toTask, toTransfer, toVerifyResult } from './normalize.js';
import { SseParser } from './sse-parser.js';
import { toUiError } from './ui-error.js';
import type {
  DeviceInfoView,
  DeviceStatus,
  ExecutionView,
  JournalStats,
  RecoveryPointView,
  ReportView,
  RestoreInput,
  RestoreView,
  ShippingLabel,
  TaskInput,
  TaskView,
  TransferView,
  UiEvent,
  VerifyResultView,
} from './views.js';

export class HttpFloeSource implements FloeSource, DiskSpaceSource {
  readonly #connect: () => Promise<ApiClient>;
  readonly #dataDir: string | undefined;
  #client: Promise<ApiClient> | undefined;
  #location: string | undefined;

  constructor(connect: () => Promise<ApiClient>, dataDir?: string) {
    this.#connect = connect;
    this.#dataDir = dataDir;
  }

  static forDataDir(dataDir: string): HttpFloeSource {
    return new HttpFloeSource(() => ApiClient.forDataDir(dataDir), dataDir);
  }

  /** statfs of the data folder: the UI runs on the device, beside the journal. */
  async journalDisk(): Promise<DiskSpace> {
    if (this.#dataDir === undefined) throw { code: 'NOT_AVAILABLE', message: 'not available on this daemon' };
    const s = await statfs(this.#dataDir);
    return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize, usedBytes: (s.blocks - s.bfree) * s.bsize };
  }

  get location(): string | undefined {
    return this.#location;
  }

  reset(): void {
    this.#client = undefined;
  }

  async #api(): Promise<ApiClient> {
    this.#client ??= this.#connect().then(
      (c) => {
        this.#location = c.url;
        return c;
      },
      (err: unknown) => {
        this.#client = undefined;
        throw err;
      },
    );
    return this.#client;
  }

  async #call<T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<T> {
    try {
      const api = await this.#api();
      return await api.request<T>(method, path, body);
    } catch (err) {
      const e = toUiError(err);
      if (e.code === 'UNAVAILABLE') this.reset();
      throw e;
    }
  }

  status(): Promise<DeviceStatus> {
    return this.#call('GET', '/v1/status');
  }

  label(): Promise<ShippingLabel> {
    return this.#call('GET', '/v1/label');
  }

  async unlock(manifestPath: string, code: string): Promise<DeviceStatus> {
    let manifest: string;
    try {
      manifest = (await readFile(manifestPath)).toString('base64');
    } catch (err) {
      throw { code: 'MANIFEST_INVALID', message: `cannot read the manifest file ${manifestPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
    }
    return this.#call('POST', '/v1/unlock', { manifest, code });
  }

  lock(cancelRunning: boolean): Promise<ShippingLabel> {
    return this.#call('POST', '/v1/lock', { cancelRunning });
  }

  journalStats(): Promise<JournalStats> {
    return this.#call('GET', '/v1/journal/stats');
  }

  async verifyJournal(): Promise<VerifyResultView> {
    return toVerifyResult(await this.#call('POST', '/v1/journal/verify'));
  }

  async tasks(): Promise<TaskView[]> {
    return listOf(await this.#call('GET', '/v1/tasks'), 'Tasks').map(toTask);
  }

  async createTask(input: TaskInput): Promise<TaskView> {
    const body: Record<string, unknown> = { Name: input.name, SourceLocationUri: input.source };
    // floe's tasks take DataSync's SIMPLE_PATTERN value itself: `|`-separated patterns.
    if (input.includes !== '') body.Includes = input.includes;
    if (input.excludes !== '') body.Excludes = input.excludes;
    if (Object.keys(input.options).length > 0) body.Options = input.options;
    return toTask(await this.#call('POST', '/v1/tasks', body));
  }

  async startTask(taskId: string, bytesPerSecond?: number): Promise<string> {
    const body = bytesPerSecond === undefined ? {} : { OverrideOptions: { BytesPerSecond: bytesPerSecond } };
    const r = await this.#call<unknown>('POST', `/v1/tasks/${encodeURIComponent(taskId)}/start`, body);
    return toExecution(r).id;
  }

  async executions(): Promise<ExecutionView[]> {
    return listOf(await this.#call('GET', '/v1/executions'), 'TaskExecutions', 'Executions').map(toExecution);
  }

  async execution(id: string): Promise<ExecutionView> {
    return toExecution(await this.#call('GET', `/v1/executions/${encodeURIComponent(id)}`));
  }

  async cancelExecution(id: string): Promise<void> {
    await this.#call('POST', `/v1/executions/${encodeURIComponent(id)}/cancel`);
  }

  async setBandwidth(id: string, bytesPerSecond: number): Promise<void> {
    await this.#call('PATCH', `/v1/executions/${encodeURIComponent(id)}`, { Options: { BytesPerSecond: bytesPerSecond } });
  }

  async device(): Promise<DeviceInfoView> {
    return toDeviceInfo(await this.#call('GET', '/v1/device'));
  }

  async importStatus(): Promise<TransferView> {
    return toTransfer(await this.#call('GET', '/v1/import'));
  }

  async startImport(): Promise<void> {
    await this.#call('POST', '/v1/import', {});
  }

  async syncStatus(): Promise<TransferView> {
    return toSync(await this.#call('GET', '/v1/sync'));
  }

  async startSync(): Promise<void> {
    await this.#call('POST', '/v1/sync', {});
  }

  async stopSync(): Promise<void> {
    await this.#call('POST', '/v1/sync/stop', {});
  }

  async report(): Promise<ReportView> {
    return toReport(await this.#call('GET', '/v1/report'));
  }

  async recoveryPoints(): Promise<RecoveryPointView[]> {
    return toPoints(await this.#call('GET', '/v1/journal/points'));
  }

  async restoreStatus(): Promise<RestoreView> {
    return toRestore(await this.#call('GET', '/v1/restore'));
  }

  async startRestore(input: RestoreInput): Promise<RestoreView> {
    return toRestore(await this.#call('POST', '/v1/restore', restoreBody(input)));
  }

  async cancelRestore(): Promise<RestoreView> {
    return toRestore(await this.#call('POST', '/v1/restore/cancel', {}));
  }

  async events(lastEventId: number | undefined, onEvent: (event: UiEvent) => void, signal: AbortSignal, onOpen?: () => void): Promise<void> {
    let api: ApiClient;
    try {
      api = await this.#api();
    } catch (err) {
      throw toUiError(err);
    }
    const headers: Record<string, string> = lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) };
    let response;
    try {
      response = await api.stream('/v1/events', headers, signal);
    } catch (err) {
      const e = toUiError(err);
      if (e.code === 'UNAVAILABLE') this.reset();
      throw e;
    }
    if ((response.statusCode ?? 0) >= 400) {
      const parts: Buffer[] = [];
      for await (const d of response) parts.push(d as Buffer);
      let body: unknown = {};
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8'));
      } catch {
        // not JSON: fall through with the status only
      }
      const b = body as { code?: string; message?: string };
      throw toUiError({ code: b.code ?? 'INTERNAL', message: b.message ?? `GET /v1/events failed with HTTP ${response.statusCode}` });
    }
    onOpen?.();
    const parser = new SseParser();
    response.setEncoding('utf8');
    try {
      for await (const chunk of response) {
        for (const m of parser.push(chunk as string)) {
          const event = parseEvent(m.id, m.event, m.data);
          if (event) onEvent(event);
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      throw toUiError(err);
    } finally {
      response.destroy();
    }
  }
}

/** POST /v1/restore's body (appliance/api/schemas/restore-schemas.ts, RestoreBody): empty filters left out. */
export function restoreBody(input: RestoreInput): Record<string, string> {
  const body: Record<string, string> = {};
  if (input.point !== '') body.point = input.point;
  body.target = input.target;
  if (input.includes !== '') body.includes = input.includes;
  if (input.excludes !== '') body.excludes = input.excludes;
  return body;
}

function parseEvent(id: string | undefined, type: string, data: string): UiEvent | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return undefined;
  }
  const o = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  // Either the whole FloeEvent ({id, type, at, data}) or its data alone, with id/type in the SSE fields.
  const whole = typeof o.type === 'string' && typeof o.data === 'object' && o.data !== null;
  const eventId = whole && typeof o.id === 'number' ? o.id : Number(id ?? 0);
  return {
    id: Number.isFinite(eventId) ? eventId : 0,
    type: whole ? (o.type as string) : type,
    at: whole && typeof o.at === 'string' ? o.at : new Date().toISOString(),
    data: whole ? (o.data as Record<string, unknown>) : o,
  };
}
