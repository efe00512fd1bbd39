// Applying scanned records to an index (docs/journal-format.md §8, §9): replay on open, rebuild,
// and the temporary index of verify all use this.
import { constantTimeEqual, sha256 } from '../crypto/hash.js';
import { FloeError } from '../errors.js';
import type { IndexApplier } from './index-applier.js';
import type { Problem, ScannedRecord } from './journal-scan.js';
import { CHUNK_PREFIX, RecordType, decodeEvent, decodeFileEntry, decodeTombstone } from './records.js';
import type { FileEntry } from './file-entry.js';
import { decodeSealRecord } from './seal.js';

export interface ReplayHooks {
  /** Called for each file entry after it was applied; verify checks chunk references here. */
  readonly onFileEntry?: (entry: FileEntry, r: ScannedRecord) => Promise<void> | void;
  readonly onSeal?: (body: Buffer, r: ScannedRecord) => Promise<void> | void;
}

export async function applyScannedRecord(applier: IndexApplier, r: ScannedRecord, onProblem: (p: Problem) => void, hooks: ReplayHooks = {}): Promise<void> {
  const where = { segment: r.location.segment, offset: r.location.offset, seq: r.location.seq.toString() };
  const body = r.plaintext.subarray(1);
  try {
    switch (r.plaintext[0]) {
      case RecordType.chunk: {
        const id = r.plaintext.subarray(1, CHUNK_PREFIX);
        const data = r.plaintext.subarray(CHUNK_PREFIX);
        if (!constantTimeEqual(sha256(data), id)) {
          onProblem({ kind: 'chunk-hash', ...where, message: `record ${where.seq}: chunk content does not match its SHA-256` });
        } else {
          await applier.applyChunk(Buffer.from(id), data.length, r.location);
        }
        break;
      }
      case RecordType.fileEntry: {
        const entry = decodeFileEntry(body);
        await applier.applyFile(entry, r.location);
        await hooks.onFileEntry?.(entry, r);
        break;
      }
      case RecordType.tombstone: {
        const t = decodeTombstone(body);
        await applier.applyTombstone(t.path, r.location);
        break;
      }
      case RecordType.event:
        applier.applyEvent(r.location.seq, decodeEvent(body), r.chain);
        break;
      case RecordType.seal: {
        const seal = decodeSealRecord(body);
        applier.applyEvent(r.location.seq, { kind: 'seal', fingerprint: seal.fingerprint, throughSeq: seal.body.throughSeq });
        await hooks.onSeal?.(body, r);
        break;
      }
      default:
        onProblem({ kind: 'bad-record', ...where, message: `record ${where.seq}: unknown record type ${r.plaintext[0]}` });
    }
  } catch (err) {
    if (!(err instanceof FloeError)) throw err;
    onProblem({ kind: 'bad-record', ...where, message: `record ${where.seq}: ${err.message}` });
  }
  applier.markApplied(r.location.seq, { chain: r.chain, segment: r.location.segment, end: r.end });
}
