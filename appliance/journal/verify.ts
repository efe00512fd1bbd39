// verify (docs/journal-format.md §10): reads every segment from the first byte, rebuilds a
// temporary index as it goes, checks every record, chunk, file entry and seal, and compares the
// result with the live catalog. It collects every problem, each with the paths it affects.
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from '../crypto/random.js';
import { displayPath } from './file-entry.js';
import { SEGMENT_HEADER_LENGTH, segmentFileName } from './format.js';
import { IndexApplier } from './index-applier.js';
import { IndexStore } from './index-store.js';
import { initialChain, type Journal } from './journal.js';
import { applyScannedRecord } from './journal-replay.js';
import { scanJournal, type Problem } from './journal-scan.js';
import { checkSealAuthenticity, decodeSealRecord } from './seal.js';

export interface VerifyOptions {
  /** The device public key from the manifest; seals must be signed by it. */
  readonly devicePublicKey?: Buffer;
  readonly onProgress?: (p: { bytesScanned: number; totalBytes: number }) => void;
}

export interface SealCheck {
  readonly seq: string;
  readonly fingerprint: string;
  readonly ok: boolean;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly problems: readonly Problem[];
  /** Every path named by a problem, for people: invalid UTF-8 shown as \xNN. */
  readonly affectedPaths: readonly string[];
  readonly records: number;
  readonly files: number;
  readonly seals: readonly SealCheck[];
  /** Records after the last seal (a sealed device in transit must have none). */
  readonly recordsAfterLastSeal: number;
}

export async function verifyJournal(journal: Journal, options: VerifyOptions = {}): Promise<VerifyReport> {
  await journal.flush();
  const segDir = join(journal.dir, 'segments');
  const tmpDir = join(journal.dir, `verify-${randomBytes(6).toString('hex')}`);
  const problems: Problem[] = [];
  const seals: SealCheck[] = [];
  const store = await IndexStore.open(tmpDir, journal.keys);
  const chain0 = initialChain(journal.journalId);
  const temp = new IndexApplier(store, {
    watermark: 0n, chainHead: chain0, resumeSegment: 1, resumeOffset: SEGMENT_HEADER_LENGTH, files: 0, logicalBytes: 0, chunks: 0, chunkBytes: 0,
  }, { history: false });
  let totalBytes = 0;
  for (const s of journal.segmentExtents) totalBytes += s.bytes;
  let prevChain = chain0;
  let lastSealSeq = 0n;
  let lastSeq = 0n;
  try {
    await scanJournal({
      dir: segDir,
      journalId: journal.journalId,
      keys: journal.keys,
      start: { segment: 1, offset: SEGMENT_HEADER_LENGTH, seq: 1n, chain: chain0 },
      repairTornTail: false,
      onProblem: (p) => problems.push(p),
      onProgress: options.onProgress && ((bytesScanned) => options.onProgress!({ bytesScanned, totalBytes })),
      onRecord: async (r) => {
        await applyScannedRecord(temp, r, (p) => problems.push(p), {
          onFileEntry: async (entry, rec) => {
            for (const ref of entry.chunks) {
              if ((await temp.chunk(ref.sha256)) === undefined) {
                problems.push({
                  kind: 'chunk-missing', segment: rec.location.segment, offset: rec.location.offset, seq: rec.location.seq.toString(), paths: [entry.path],
                  message: `${displayPath(entry.path)}: a chunk it names is missing or damaged`,
                });
                break;
              }
            }
          },
          onSeal: async (body, rec) => {
            const seal = decodeSealRecord(body);
            const bad = checkSealAuthenticity(seal, journal.keys, options.devicePublicKey);
            if (seal.body.throughSeq !== (rec.location.seq - 1n).toString()) bad.push(`the seal covers records through ${seal.body.throughSeq} but stands at record ${rec.location.seq}`);
            if (seal.body.chainHead !== prevChain.toString('hex')) bad.push('the chain over the records before the seal does not match the seal (records were changed, removed, reordered or added)');
            for (const s of seal.body.segments ?? []) {
              const actual = s.number === rec.location.segment ? rec.location.offset : await sizeOf(join(segDir, segmentFileName(s.number)));
              if (actual !== s.bytes) bad.push(`segment ${s.number} is ${actual ?? 'missing'} bytes up to the seal; the seal says ${s.bytes}`);
            }
            for (const p of bad) problems.push({ kind: 'seal', segment: rec.location.segment, offset: rec.location.offset, seq: rec.location.seq.toString(), message: `seal ${seal.fingerprint}: ${p}` });
            seals.push({ seq: rec.location.seq.toString(), fingerprint: seal.fingerprint, ok: bad.length === 0 });
            lastSealSeq = rec.location.seq;
          },
        });
        prevChain = r.chain;
        lastSeq = r.location.seq;
        if (r.location.seq % 4096n === 0n) await temp.flush();
      },
    });
    await temp.flush();
    await compareCatalogs(journal, temp, problems);
    let files = 0;
    for await (const _ of store.files()) files++;
    const affected = new Set<string>();
    for (const p of problems) for (const path of p.paths ?? []) affected.add(displayPath(path));
    return {
      ok: problems.length === 0,
      problems,
      affectedPaths: [...affected].sort(),
      records: Number(lastSeq),
      files,
      seals,
      recordsAfterLastSeal: lastSealSeq === 0n ? 0 : Number(lastSeq - lastSealSeq),
    };
  } finally {
    await store.close();
    await rm(tmpDir, { recursive: true, force: true });
  }
}

/** The live catalog must equal the one the segments give; what is missing was lost or damaged. */
async function compareCatalogs(journal: Journal, temp: IndexApplier, problems: Problem[]): Promise<void> {
  for await (const live of journal.applier.store.files()) {
    const truth = await temp.file(live.entry.path);
    if (truth === undefined) {
      problems.push({
        kind: 'file-lost', segment: live.location.segment, offset: live.location.offset, seq: live.location.seq.toString(), paths: [live.entry.path],
        message: `${displayPath(live.entry.path)}: its file entry (record ${live.location.seq}) is missing or damaged in the segments`,
      });
    } else if (truth.location.seq !== live.location.seq) {
      problems.push({ kind: 'index', paths: [live.entry.path], message: `${displayPath(live.entry.path)}: the index names record ${live.location.seq}, the segments give record ${truth.location.seq}` });
    }
  }
  for await (const t of temp.store.files()) {
    if ((await journal.applier.store.getFile(t.entry.path)) === undefined) {
      problems.push({ kind: 'index', paths: [t.entry.path], message: `${displayPath(t.entry.path)}: in the segments but not in the index` });
    }
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.size,
    () => undefined,
  );
}
