// The names of JSON fields follow one rule (docs/api.md, "Names"): what DataSync defines keeps
// DataSync's PascalCase (tasks, executions, Options, counters, Result), what floe defines is
// camelCase (status, label, journal, task report lines, sync and import runs, device health, events),
// no object mixes the two, and every error is {code, message, details?}. Checked on the OpenAPI
// document and on the answers of a real daemon that ran a task.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessApi, type InProcessApi } from './api-fixture.js';

let api: InProcessApi;
beforeAll(async () => {
  api = await inProcessApi();
});
afterAll(async () => api.close());

const PASCAL = /^[A-Z][A-Za-z0-9]*$/;
const CAMEL = /^[a-z][A-Za-z0-9]*$/;
/** Schemas whose shape DataSync defines (CreateTask, DescribeTask, DescribeTaskExecution, ...). */
const DATASYNC_TITLES = /^(Task|TaskList|TaskExecution|TaskExecutionList|CreateTaskBody|UpdateTaskBody|StartTaskExecutionBody|UpdateTaskExecutionBody|BandwidthBody)$/;

type Casing = 'PascalCase' | 'camelCase' | 'none';

/** The casing of an object's identifier keys; keys that are no identifier (file names, paths) don't count. */
function casingOf(keys: string[]): Casing | 'mixed' {
  const ids = keys.filter((k) => /^[A-Za-z][A-Za-z0-9]*$/.test(k));
  const pascal = ids.filter((k) => PASCAL.test(k)).length;
  const camel = ids.filter((k) => CAMEL.test(k)).length;
  if (pascal > 0 && camel > 0) return 'mixed';
  return pascal > 0 ? 'PascalCase' : camel > 0 ? 'camelCase' : 'none';
}

/** Every object in a JSON value whose keys mix the two casings, as `where: keys`. */
function mixedObjects(value: unknown, where: string, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v, i) => mixedObjects(v, `${where}[${i}]`, out));
  else if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    if (casingOf(keys) === 'mixed') out.push(`${where}: ${keys.join(',')}`);
    for (const [k, v] of Object.entries(value)) mixedObjects(v, `${where}.${k}`, out);
  }
  return out;
}

interface SchemaNode {
  title?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
}

/** Each object schema with properties: where it is, its title (inherited from the nearest titled parent) and its keys. */
function objectSchemas(s: SchemaNode | undefined, where: string, title: string | undefined, out: Array<{ where: string; title: string | undefined; keys: string[] }>): void {
  if (s === undefined) return;
  const t = s.title ?? title;
  if (s.properties !== undefined) {
    out.push({ where, title: t, keys: Object.keys(s.properties) });
    for (const [k, v] of Object.entries(s.properties)) objectSchemas(v, `${where}.${k}`, t, out);
  }
  objectSchemas(s.items, `${where}[]`, t, out);
  for (const alt of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) objectSchemas(alt, where, t, out);
}

type Content = Record<string, { schema?: SchemaNode }>;
interface Operation {
  requestBody?: { content?: Content };
  responses?: Record<string, { content?: Content }>;
}

describe('JSON names', () => {
  it('the OpenAPI document: DataSync shapes PascalCase, floe shapes camelCase, errors {code, message, details}', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/openapi.json' });
    const doc = res.json() as { paths: Record<string, Record<string, Operation>> };
    const found: Array<{ where: string; title: string | undefined; keys: string[] }> = [];
    const errorBodies: string[][] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const at = `${method.toUpperCase()} ${path}`;
        objectSchemas(op.requestBody?.content?.['application/json']?.schema, `${at} body`, undefined, found);
        for (const [status, r] of Object.entries(op.responses ?? {})) {
          const schema = r.content?.['application/json']?.schema;
          if (Number(status) >= 400 && schema?.properties !== undefined) errorBodies.push(Object.keys(schema.properties));
          objectSchemas(schema, `${at} ${status}`, undefined, found);
        }
      }
    }
    expect(found.length).toBeGreaterThan(50);
    const wrong = found
      .map((o) => ({ ...o, want: DATASYNC_TITLES.test(o.title ?? '') ? 'PascalCase' : 'camelCase', got: casingOf(o.keys) }))
      .filter((o) => o.got !== 'none' && o.got !== o.want)
      .map((o) => `${o.where} (${o.title ?? 'untitled'}): ${o.keys.join(',')} should be ${o.want}`);
    expect(wrong).toEqual([]);
    expect(errorBodies.length).toBeGreaterThan(50);
    for (const keys of errorBodies) expect(keys).toEqual(['code', 'message', 'details']);
  });

  it('the answers and events of a daemon that ran a task: no object mixes casings, each resource in its own', async () => {
    const bodies: Record<string, unknown> = {};
    const call = async (method: 'GET' | 'POST', url: string, payload?: object): Promise<unknown> => {
      const r = await api.app.inject({ method, url, headers: api.auth, ...(payload === undefined ? {} : { payload }) });
      const body: unknown = r.headers['content-type']?.toString().startsWith('application/json') ? r.json() : r.body;
      bodies[`${method} ${url} ${r.statusCode}`] = body;
      return body;
    };
    await call('GET', '/v1/status');
    await call('POST', '/v1/unlock', { manifest: api.device.manifest.toString('base64'), code: api.device.code });
    const share = join(api.device.root, 'names-share');
    await mkdir(join(share, 'sub'), { recursive: true });
    for (let i = 0; i < 3; i++) await writeFile(join(share, 'sub', `f${i}.txt`), `content ${i}\n`);
    const task = (await call('POST', '/v1/tasks', { Name: 'names', SourceLocationUri: `file://${share}`, Options: { LogLevel: 'TRANSFER' } })) as { TaskId: string };
    const started = (await call('POST', `/v1/tasks/${task.TaskId}/executions`, {})) as { TaskExecutionId: string };
    await api.context.tasks.waitExecution(started.TaskExecutionId);
    const execution = (await call('GET', `/v1/executions/${started.TaskExecutionId}`)) as Record<string, unknown>;
    const tasks = (await call('GET', '/v1/tasks')) as { Tasks: Array<Record<string, unknown>> };
    await call('GET', '/v1/executions');
    const report = (await call('GET', `/v1/executions/${started.TaskExecutionId}/report`)) as string;
    const reportLines = report.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    const stats = (await call('GET', '/v1/journal/stats')) as Record<string, unknown>;
    await call('POST', '/v1/journal/verify');
    await call('GET', '/v1/sync');
    const device = (await call('GET', '/v1/device')) as Record<string, unknown>;
    const notFound = (await call('GET', '/v1/executions/exec-nope')) as Record<string, unknown>;
    const badBody = (await call('POST', '/v1/tasks', { Name: 'x', Nope: 1 })) as Record<string, unknown>;
    const label = (await call('POST', '/v1/lock', {})) as Record<string, unknown>;
    const status = (await call('GET', '/v1/status')) as Record<string, unknown>;
    const events = api.context.events.since(0);

    expect(execution.FilesTransferred).toBe(3);
    expect(reportLines.length).toBeGreaterThanOrEqual(4);
    expect(events.length).toBeGreaterThan(5);
    expect([...mixedObjects(bodies, 'answers'), ...mixedObjects(reportLines, 'report'), ...mixedObjects(events, 'events')]).toEqual([]);

    // Each resource in its own casing, nested DataSync objects included.
    expect(casingOf(Object.keys(execution))).toBe('PascalCase');
    expect(casingOf(Object.keys(execution.Result as object))).toBe('PascalCase');
    expect(casingOf(Object.keys(tasks.Tasks[0]!))).toBe('PascalCase');
    expect(casingOf(Object.keys(tasks.Tasks[0]!.Options as object))).toBe('PascalCase');
    for (const line of reportLines) expect(casingOf(Object.keys(line as object))).toBe('camelCase');
    for (const floeOwn of [status, label, stats, device]) expect(casingOf(Object.keys(floeOwn))).toBe('camelCase');
    for (const e of events) expect(Object.keys(e).sort()).toEqual(['at', 'data', 'id', 'type']);
    for (const error of [notFound, badBody]) {
      expect(Object.keys(error).filter((k) => k !== 'details')).toEqual(['code', 'message']);
      expect(typeof error.code === 'string' && typeof error.message === 'string').toBe(true);
    }
    expect(notFound.code).toBe('NOT_FOUND');
    expect(badBody.code).toBe('INVALID_ARGUMENT');
  });
});
