// The seal of docs/journal-format.md §11: written at lock, it names the chain head and the exact
// extent of the journal, MACed with a DEK subkey and signed with the device key.
import { constantTimeEqual, hmacSha256, sha256 } from '../crypto/hash.js';
import { verifySignature, type SigningKey } from '../crypto/signing.js';
import { FloeError } from '../errors.js';
import type { Journal } from './journal.js';
import type { JournalKeys } from './journal-keys.js';
import { RecordType } from './records.js';

export interface SealBody {
  readonly chainHead: string;
  readonly devicePublicKey: string;
  readonly files: number;
  readonly format: 1;
  readonly journalId: string;
  readonly logicalBytes: number;
  readonly records: number;
  readonly sealedAt: string;
  readonly segments: ReadonlyArray<{ readonly bytes: number; readonly number: number }>;
  readonly throughSeq: string;
}

export interface SealInfo {
  readonly body: SealBody;
  readonly json: Buffer;
  readonly mac: Buffer;
  readonly signature: Buffer;
  /** First 32 hex digits of SHA-256(json || mac || signature): what the shipping label shows. */
  readonly fingerprint: string;
  /** The seal record's own seq. */
  readonly seq: bigint;
}

/** Canonical JSON: keys sorted at every level, no spaces. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value as object).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Writes the seal record. Everything appended before it must be durable; nothing may run concurrently. */
export async function sealJournal(journal: Journal, deviceKey: SigningKey, now: Date = new Date()): Promise<SealInfo> {
  await journal.flush();
  const stats = await journal.stats();
  const throughSeq = journal.nextSeq - 1n;
  const body: SealBody = {
    chainHead: journal.chainHead.toString('hex'),
    devicePublicKey: deviceKey.publicKey.toString('hex'),
    files: stats.files,
    format: 1,
    journalId: journal.journalId.toString('hex'),
    logicalBytes: stats.logicalBytes,
    records: Number(throughSeq),
    sealedAt: now.toISOString(),
    segments: journal.segmentExtents.map((s) => ({ bytes: s.bytes, number: s.number })),
    throughSeq: throughSeq.toString(),
  };
  const json = Buffer.from(canonicalJson(body), 'utf8');
  const mac = hmacSha256(journal.keys.sealMac, json);
  const signature = deviceKey.sign(Buffer.concat([json, mac]));
  const record = encodeSealRecord(json, mac, signature);
  const fingerprint = sealFingerprint(json, mac, signature);
  const seq = await journal.appendRecord(record, (s) => journal.applier.applyEvent(s, { kind: 'seal', fingerprint, throughSeq: body.throughSeq }));
  return { body, json, mac, signature, fingerprint, seq };
}

export function sealFingerprint(json: Buffer, mac: Buffer, signature: Buffer): string {
  return sha256(json, mac, signature).toString('hex').slice(0, 32);
}

export function encodeSealRecord(json: Buffer, mac: Buffer, signature: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length, 0);
  return Buffer.concat([Buffer.from([RecordType.seal]), len, json, mac, signature]);
}

export function decodeSealRecord(body: Buffer): Omit<SealInfo, 'seq'> {
  if (body.length < 4) throw new FloeError('JOURNAL_CORRUPT', 'seal record is too short');
  const n = body.readUInt32LE(0);
  if (body.length !== 4 + n + 32 + 64) throw new FloeError('JOURNAL_CORRUPT', 'seal record length is wrong');
  const json = Buffer.from(body.subarray(4, 4 + n));
  const mac = Buffer.from(body.subarray(4 + n, 4 + n + 32));
  const signature = Buffer.from(body.subarray(4 + n + 32));
  let parsed: SealBody;
  try {
    parsed = JSON.parse(json.toString('utf8')) as SealBody;
  } catch {
    throw new FloeError('JOURNAL_CORRUPT', 'seal body is not JSON');
  }
  return { body: parsed, json, mac, signature, fingerprint: sealFingerprint(json, mac, signature) };
}

/** Checks a seal's MAC and signature; returns the problems found (empty when it holds). */
export function checkSealAuthenticity(seal: Omit<SealInfo, 'seq'>, keys: JournalKeys, expectedPublicKey?: Buffer): string[] {
  const problems: string[] = [];
  if (!constantTimeEqual(hmacSha256(keys.sealMac, seal.json), seal.mac)) problems.push('the seal MAC does not hold (not made with this job data key)');
  const pub = Buffer.from(seal.body.devicePublicKey ?? '', 'hex');
  if (expectedPublicKey !== undefined && !pub.equals(expectedPublicKey)) problems.push('the seal names another device key');
  if (!verifySignature(pub, Buffer.concat([seal.json, seal.mac]), seal.signature)) problems.push('the seal signature does not verify');
  return problems;
}
