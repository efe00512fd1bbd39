// Recovery points (docs/journal-format.md §8): each ended ingest execution is a point; a point's
// catalog comes from the history the index keeps, tombstones respected, and is the same after the
// index is deleted and rebuilt from the segments.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../appliance/journal/journal.js';
import type { FileEntry } from '../../appliance/journal/file-entry.js';
import { bytesOf, collect, fileMeta, tempDir, testKeys } from './journal-fixtures.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function write(journal: Journal, path: string, content: string): Promise<void> {
  const data = Buffer.from(content);
  await journal.writeFile(fileMeta(path, data.length), bytesOf(data));
}

async function finish(journal: Journal, id: string): Promise<bigint> {
  return journal.appendEvent({ kind: 'task.execution.finished', execution: { TaskExecutionId: id, TaskId: 'task-1', TaskName: 'share', Status: 'SUCCESS', StartTime: '2026-12-07T00:00:00.000Z', EndTime: '2026-12-07T00:01:00.000Z' } });
}

async function catalogAt(journal: Journal, seq: bigint): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const { entry } of journal.catalogAt(seq)) out.set(entry.path.toString(), entry.type === 'file' ? (await collect(journal.readFile(entry))).toString() : entry.type);
  return out;
}

describe('recovery points', () => {
  it('keeps each point as it was: a changed file has its old content, a deleted one is back, and a rebuilt index gives the same', async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    const keys = testKeys();
    let journal = await Journal.create(t.dir, keys.ring());
    await journal.writeFile(fileMeta('docs', 0, 'directory'));
    await write(journal, 'docs/a.txt', 'first a');
    await write(journal, 'docs/b.txt', 'only b');
    const p1 = await finish(journal, 'exec-1');
    await write(journal, 'docs/a.txt', 'second a, longer');
    expect(await journal.removeFile(Buffer.from('docs/b.txt'))).toBe(true);
    await write(journal, 'docs/c.txt', 'new c');
    const p2 = await finish(journal, 'exec-2');

    const first = new Map([['docs', 'directory'], ['docs/a.txt', 'first a'], ['docs/b.txt', 'only b']]);
    const second = new Map([['docs', 'directory'], ['docs/a.txt', 'second a, longer'], ['docs/c.txt', 'new c']]);
    expect(await catalogAt(journal, p1)).toEqual(first);
    expect(await catalogAt(journal, p2)).toEqual(second);

    const points = [];
    for await (const p of journal.points()) points.push(p);
    expect(points.map((p) => [p.id, p.seq, p.files, p.bytes, p.taskName, p.status])).toEqual([
      ['exec-1', p1, 3, 'first a'.length + 'only b'.length, 'share', 'SUCCESS'],
      ['exec-2', p2, 3, 'second a, longer'.length + 'new c'.length, 'share', 'SUCCESS'],
    ]);
    expect(points[1]!.chain).toMatch(/^[0-9a-f]{64}$/u);
    expect(points[1]!.chain).toBe(journal.chainHead.toString('hex'));

    const versions: Array<[bigint, string]> = [];
    for await (const v of journal.history(Buffer.from('docs/b.txt'))) versions.push([v.location.seq, v.entry === null ? 'tombstone' : v.entry.type]);
    expect(versions.map((v) => v[1])).toEqual(['file', 'tombstone']);
    expect(versions[0]![0] < p1 && versions[1]![0] > p1 && versions[1]![0] < p2).toBe(true);

    // The index is a cache: deleted, it is rebuilt from the segments with the same history and points.
    await journal.close();
    await rm(join(t.dir, 'index'), { recursive: true, force: true });
    journal = await Journal.open(t.dir, keys.ring());
    expect(journal.recovery.rebuilt).toBe(true);
    expect(await catalogAt(journal, p1)).toEqual(first);
    expect(await catalogAt(journal, p2)).toEqual(second);
    const rebuilt = [];
    for await (const p of journal.points()) rebuilt.push(p);
    expect(rebuilt).toEqual(points);
    await journal.close();
  });

  it('a point before a file existed has no entry for it, and the current catalog equals the latest point', async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    const journal = await Journal.create(t.dir, testKeys().ring());
    const p0 = await finish(journal, 'exec-empty');
    await write(journal, 'x', 'x1');
    const p1 = await finish(journal, 'exec-x');
    expect(await catalogAt(journal, p0)).toEqual(new Map());
    const current: FileEntry[] = [];
    for await (const e of journal.files()) current.push(e);
    const atPoint: FileEntry[] = [];
    for await (const { entry } of journal.catalogAt(p1)) atPoint.push(entry);
    expect(atPoint).toEqual(current);
    await journal.close();
  });
});
