// One pass over the segments in order (docs/journal-format.md §9 recovery, §10 verification):
// authenticates each frame, checks seq continuity and extends the chain, and reports every
// problem through a callback instead of stopping at the first.
import { readdir, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { UnauthenticatedError } from '../crypto/errors.js';
import { sha256 } from '../crypto/hash.js';
import { SEGMENT_HEADER_LENGTH, TAG_LENGTH, parseSegmentFileName, recordAdditionalData, recordNonce, segmentFileName } from './format.js';
import { fsyncDirectory } from '../fs-durable.js';
import type { JournalKeys } from './journal-keys.js';
import { openSegment, scanFrames } from './segment-scanner.js';
import type { FrameLocation } from './segment-writer.js';

export type ProblemKind =
  | 'segment-missing'
  | 'segment-header'
  | 'damaged-bytes'
  | 'torn-tail'
  | 'unauthenticated'
  | 'seq-gap'
  | 'seq-out-of-order'
  | 'chunk-hash'
  | 'chunk-missing'
  | 'bad-record'
  | 'seal'
  | 'file-lost'
  | 'index';

export interface Problem {
  readonly kind: ProblemKind;
  readonly message: string;
  readonly segment?: number;
  readonly offset?: number;
  readonly seq?: string;
  /** Journal paths affected (exact bytes as hex-free display strings are made by the caller). */
  readonly paths?: Buffer[];
}

export interface ScanStart {
  readonly segment: number;
  readonly offset: number;
  /** The seq expected next. */
  readonly seq: bigint;
  /** Chain value before that seq. */
  readonly chain: Buffer;
}

export interface ScannedRecord {
  readonly plaintext: Buffer;
  readonly location: FrameLocation;
  /** Chain value after this record. */
  readonly chain: Buffer;
  readonly end: number;
}

export interface ScanResult {
  readonly nextSeq: bigint;
  readonly chain: Buffer;
  readonly lastSegment: number;
  readonly tornBytes: number;
  readonly records: number;
}

export interface ScanOptions {
  readonly dir: string;
  readonly journalId: Buffer;
  readonly keys: JournalKeys;
  readonly start: ScanStart;
  readonly onRecord: (r: ScannedRecord) => Promise<void> | void;
  readonly onProblem: (p: Problem) => void;
  /** Cut a torn tail off the newest segment (recovery on open) instead of only reporting it. */
  readonly repairTornTail: boolean;
  readonly onProgress?: (bytesScanned: number) => void;
}

export async function listSegments(dir: string): Promise<number[]> {
  const names = await readdir(dir);
  return names
    .map(parseSegmentFileName)
    .filter((n): n is number => n !== null)
    .sort((a, b) => a - b);
}

export async function scanJournal(o: ScanOptions): Promise<ScanResult> {
  let segments = await listSegments(o.dir);
  const newest = segments.at(-1) ?? 0;
  let expect = o.start.seq;
  let chain = o.start.chain;
  let tornBytes = 0;
  let records = 0;
  let scanned = 0;
  let previous = o.start.segment - 1;

  // A newest segment that never got a whole header is the remains of a crash during creation (§9).
  if (o.repairTornTail && newest > 0 && newest >= o.start.segment) {
    const seg = await openSegment(join(o.dir, segmentFileName(newest)));
    await seg.close();
    if ('problem' in seg.header && (seg.size < SEGMENT_HEADER_LENGTH || (await allZero(seg.path, seg.size)))) {
      await rm(seg.path);
      await fsyncDirectory(o.dir);
      tornBytes += seg.size;
      segments = segments.slice(0, -1);
    }
  }

  for (const n of segments) {
    if (n < o.start.segment) continue;
    for (let missing = previous + 1; missing < n; missing++) {
      o.onProblem({ kind: 'segment-missing', segment: missing, message: `segment ${missing} is missing` });
    }
    previous = n;
    const seg = await openSegment(join(o.dir, segmentFileName(n)));
    try {
      if ('problem' in seg.header) {
        o.onProblem({ kind: 'segment-header', segment: n, message: `segment ${n}: ${seg.header.problem}` });
        continue;
      }
      const h = seg.header;
      if (h.segmentNumber !== n || !h.journalId.equals(o.journalId)) {
        o.onProblem({ kind: 'segment-header', segment: n, message: `segment ${n}: header belongs to segment ${h.segmentNumber} of another or this journal` });
        continue;
      }
      const from = n === o.start.segment ? o.start.offset : SEGMENT_HEADER_LENGTH;
      if (n !== o.start.segment && h.firstSeq !== expect) {
        o.onProblem({ kind: 'seq-gap', segment: n, message: `segment ${n} starts at record ${h.firstSeq}, expected ${expect}` });
      }
      const key = o.keys.segmentKey(n, h.salt);
      for await (const item of scanFrames(seg, from, expect)) {
        if (item.kind === 'torn') {
          if (o.repairTornTail && n === newest) {
            await truncate(seg.path, item.offset);
            tornBytes += item.length;
          } else {
            o.onProblem({ kind: 'torn-tail', segment: n, offset: item.offset, message: `segment ${n}: ${item.length} bytes at offset ${item.offset} are not a whole record` });
          }
          continue;
        }
        if (item.kind === 'damage') {
          o.onProblem({ kind: 'damaged-bytes', segment: n, offset: item.offset, message: `segment ${n}: ${item.length} damaged bytes at offset ${item.offset} (${item.problem})` });
          continue;
        }
        const { header, payload } = item;
        const loc: FrameLocation = { segment: n, offset: item.offset, length: header.length, seq: header.seq };
        const where = { segment: n, offset: item.offset, seq: header.seq.toString() };
        let plaintext: Buffer;
        try {
          const nonce = recordNonce(header.seq);
          const ad = recordAdditionalData(o.journalId, n, header.seq);
          plaintext = await key.openAsync(nonce, payload, ad);
        } catch (err) {
          if (!(err instanceof UnauthenticatedError)) throw err;
          o.onProblem({ kind: 'unauthenticated', ...where, message: `segment ${n} offset ${item.offset}: record ${header.seq} does not authenticate` });
          continue;
        }
        if (header.seq !== expect) {
          const kind = header.seq > expect ? 'seq-gap' : 'seq-out-of-order';
          const what = header.seq > expect ? `records ${expect}..${header.seq - 1n} are missing` : `record ${header.seq} is out of order or duplicated (expected ${expect})`;
          o.onProblem({ kind, ...where, message: `segment ${n} offset ${item.offset}: ${what}` });
          if (header.seq < expect) continue;
        }
        chain = sha256(chain, item.headerBytes, payload.subarray(payload.length - TAG_LENGTH));
        expect = header.seq + 1n;
        records++;
        scanned += payload.length;
        o.onProgress?.(scanned);
        await o.onRecord({ plaintext, location: loc, chain, end: item.offset + 16 + header.length });
      }
    } finally {
      await seg.close();
    }
  }
  return { nextSeq: expect, chain, lastSegment: Math.max(previous, o.start.segment - 1), tornBytes, records };
}

async function allZero(path: string, size: number): Promise<boolean> {
  const { readFile } = await import('node:fs/promises');
  const b = await readFile(path);
  return b.length === size && b.every((x) => x === 0);
}
