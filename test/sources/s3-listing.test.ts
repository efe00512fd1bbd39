// The S3 source lists a folder of 50,000 keys as a stream (issue 23: "a listing of 50,000 keys is
// streamed with memory flat"): ListObjectsV2 pages of 1,000 are asked for one ahead, each key's
// metadata looked up a window at a time, and nothing else is kept. Measured: the heap (after a full
// GC) while the listing runs stays within a bound far below what holding the entries takes, and
// every key is seen exactly once, in key order.
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openS3Source, type S3Source } from '../../appliance/sources/s3/s3-source.js';
import type { SourceEntry } from '../../appliance/sources/source.js';
import type { RgwServer } from '../harness/rgw.js';
import { s3SourceOptions, sharedRgw, stopSharedRgw } from './s3-fixture.js';

const KEYS = 50_000;
/** Heap growth allowed while listing: two pages and the lookup window, with room to spare. */
const HEAP_BOUND = 8 * 1024 * 1024;
const SAMPLE_EVERY = 1_000;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

const keyOf = (i: number): string => `many/object-${String(i).padStart(6, '0')}`;

describe('s3 source: a listing of 50,000 keys', () => {
  let server: RgwServer;
  let source: S3Source;

  beforeAll(async () => {
    server = await sharedRgw();
    await server.createBucket('fifty-thousand');
    // The objects go in by RGW's bulk upload (tar archives of 2,500), not a PutObject each: the
    // same objects for ListObjectsV2 and HeadObject, in a fifth of the time.
    const created = await server.putObjects(
      'fifty-thousand',
      (function* () {
        for (let i = 0; i < KEYS; i++) yield { key: keyOf(i), body: Buffer.from(String(i)) };
      })(),
    );
    if (created !== KEYS) throw new Error(`${created} objects created, not ${KEYS}`);
    source = await openS3Source('s3://fifty-thousand', s3SourceOptions(server));
  }, 300_000);

  afterAll(async () => {
    await source?.close();
    await stopSharedRgw();
  });

  it('streams every key exactly once, in key order, with the heap flat (a bound far below what the entries take when held)', async () => {
    const before = heapAfterGc();
    let peak = before;
    let count = 0;
    let previous = '';
    let inOrder = true;
    let bytes = 0;
    for await (const entry of source.list(Buffer.from('many'))) {
      const name = entry.name.toString();
      if (name <= previous) inOrder = false;
      previous = name;
      bytes += entry.size;
      if (++count % SAMPLE_EVERY === 0) peak = Math.max(peak, heapAfterGc());
    }
    const growth = peak - before;
    expect(count).toBe(KEYS);
    expect(inOrder).toBe(true);
    expect(previous).toBe(keyOf(KEYS - 1).slice('many/'.length));
    expect(bytes).toBe(Array.from({ length: KEYS }, (_, i) => String(i).length).reduce((a, n) => a + n, 0));
    expect(growth).toBeLessThan(HEAP_BOUND);

    // The control: what holding entries costs, measured on the first 5,000 of the same listing.
    const held: SourceEntry[] = [];
    const start = heapAfterGc();
    for await (const entry of source.list(Buffer.from('many'))) {
      held.push(entry);
      if (held.length === 5_000) break;
    }
    const heldFiveThousand = heapAfterGc() - start;
    expect(held).toHaveLength(5_000);
    // 50,000 held would take ten times that; the streamed listing grew by less than a quarter of it.
    expect(growth * 4).toBeLessThan(heldFiveThousand * 10);
    console.log(`50,000 keys streamed: heap growth ${(growth / 1048576).toFixed(2)} MiB; 5,000 entries held: ${(heldFiveThousand / 1048576).toFixed(2)} MiB`);
  }, 300_000);
});
