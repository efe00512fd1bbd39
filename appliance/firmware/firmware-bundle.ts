// Firmware bundles: floe-<version>-linux-x64.tar.gz holding one folder with the binary, systemd
// units, default configuration, SHA256SUMS and SHA256SUMS.sig (Ed25519, RFC 8032, over the exact
// bytes of SHA256SUMS, base64). docs/operations.md, "Firmware bundles".
//
// A bundle is valid when the signature verifies under the trusted key, every file SHA256SUMS
// lists is present with that SHA-256, and nothing else is in it. Anything else is refused with
// FIRMWARE_INVALID and a one-line reason.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gzipSync } from 'node:zlib';
import { Sha256, sha256Hex } from '../crypto/hash.js';
import { fingerprint, verifySignature, type SigningKey } from '../crypto/signing.js';
import { FloeError } from '../errors.js';
import { formatSha256Sums, isSafeRelativePath, parseSha256Sums } from './sha256sums.js';
import { TarFormatError, TarReader, writeTar, type TarFile } from './tar.js';

export const SUMS_FILE = 'SHA256SUMS';
export const SIGNATURE_FILE = 'SHA256SUMS.sig';
const MAX_SMALL_FILE = 1 << 20; // SHA256SUMS and its signature are read into memory

export interface BundleFile {
  /** Path inside the bundle's folder, e.g. `floe` or `systemd/floe.service`. */
  readonly path: string;
  readonly mode: number;
  readonly data: Uint8Array;
}

/** The gzip'd tar of a signed bundle whose files sit in `folder/`. */
export function createFirmwareBundle(folder: string, files: readonly BundleFile[], key: SigningKey): Buffer {
  if (!isSafeRelativePath(folder) || folder.includes('/')) throw new RangeError(`bad bundle folder name: ${folder}`);
  for (const f of files) {
    if (!isSafeRelativePath(f.path) || f.path === SUMS_FILE || f.path === SIGNATURE_FILE) throw new RangeError(`bad bundle path: ${f.path}`);
  }
  const sums = Buffer.from(formatSha256Sums(files.map((f) => ({ path: f.path, sha256: sha256Hex(f.data) }))), 'utf8');
  const signature = Buffer.from(`${key.sign(sums).toString('base64')}\n`, 'utf8');
  const tarFiles: TarFile[] = [
    ...files.map((f) => ({ name: `${folder}/${f.path}`, mode: f.mode, data: f.data })),
    { name: `${folder}/${SUMS_FILE}`, mode: 0o644, data: sums },
    { name: `${folder}/${SIGNATURE_FILE}`, mode: 0o644, data: signature },
  ];
  return gzipSync(writeTar(tarFiles), { level: 6 });
}

export interface VerifiedBundle {
  /** The bundle's top folder, e.g. floe-0.1.0-linux-x64. */
  readonly folder: string;
  /** Files listed in SHA256SUMS, in its order. */
  readonly files: readonly { path: string; sha256: string; size: number }[];
  /** Fingerprint of the key that signed it (fingerprint() of the raw public key). */
  readonly keyFingerprint: string;
}

/** Checks a bundle file against the trusted firmware public key; throws FIRMWARE_INVALID with the reason. */
export async function verifyFirmwareBundle(bundlePath: string, publicKey: Uint8Array): Promise<VerifiedBundle> {
  const seen = new Map<string, { sha256: string; size: number; small?: Buffer }>();
  let folder: string | undefined;
  let current: { path: string; hash: Sha256; size: number; small: Buffer[] | undefined } | undefined;
  const reader = new TarReader({
    entry(header) {
      const slash = header.name.indexOf('/');
      const top = slash === -1 ? header.name.replace(/\/$/, '') : header.name.slice(0, slash);
      folder ??= top;
      if (top !== folder) throw invalid(`the bundle holds more than one top folder (${folder}, ${top})`);
      if (header.type === 'directory') return;
      const path = slash === -1 ? '' : header.name.slice(slash + 1);
      if (!isSafeRelativePath(path)) throw invalid(`the bundle holds an unsafe path: ${JSON.stringify(header.name)}`);
      if (seen.has(path)) throw invalid(`the bundle holds ${path} twice`);
      const keep = path === SUMS_FILE || path === SIGNATURE_FILE;
      if (keep && header.size > MAX_SMALL_FILE) throw invalid(`${path} is too large`);
      current = { path, hash: new Sha256(), size: 0, small: keep ? [] : undefined };
    },
    data(chunk) {
      if (!current) return;
      current.hash.update(chunk);
      current.size += chunk.length;
      current.small?.push(Buffer.from(chunk));
    },
    entryEnd() {
      if (!current) return;
      const small = current.small ? Buffer.concat(current.small) : undefined;
      seen.set(current.path, { sha256: current.hash.digest().toString('hex'), size: current.size, ...(small ? { small } : {}) });
      current = undefined;
    },
  });

  // The reader's own error, kept apart: pipeline() reports the stream teardown that follows it.
  let rejected: unknown;
  try {
    await pipeline(createReadStream(bundlePath), createGunzip(), async (source: AsyncIterable<Buffer>) => {
      try {
        for await (const chunk of source) reader.push(chunk);
        reader.end();
      } catch (err) {
        rejected = err;
        throw err;
      }
    });
  } catch (caught) {
    const err = rejected ?? caught;
    if (err instanceof FloeError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') throw invalid(`cannot read ${bundlePath}: ${(err as Error).message}`, err);
    const why = err instanceof TarFormatError ? err.message : `not a gzip'd tar archive (${(err as Error).message})`;
    throw invalid(`the bundle is damaged: ${why}`, err);
  }

  const sums = seen.get(SUMS_FILE)?.small;
  const signatureFile = seen.get(SIGNATURE_FILE)?.small;
  if (folder === undefined || sums === undefined) throw invalid(`the bundle has no ${SUMS_FILE}`);
  if (signatureFile === undefined) throw invalid(`the bundle has no ${SIGNATURE_FILE}`);
  const keyFingerprint = fingerprint(publicKey, 16);
  const signatureText = signatureFile.toString('latin1');
  if (!/^[A-Za-z0-9+/]{86}==\n$/.test(signatureText)) throw invalid(`${SIGNATURE_FILE} is not one base64 Ed25519 signature`);
  if (!verifySignature(publicKey, sums, Buffer.from(signatureText.trim(), 'base64'))) {
    throw invalid(`${SIGNATURE_FILE} does not match ${SUMS_FILE} under the trusted firmware key ${keyFingerprint}`);
  }
  const listed = parseSha256Sums(sums.toString('utf8'));
  if (typeof listed === 'string') throw invalid(listed);
  const files: { path: string; sha256: string; size: number }[] = [];
  for (const line of listed) {
    const found = seen.get(line.path);
    if (found === undefined || line.path === SUMS_FILE || line.path === SIGNATURE_FILE) throw invalid(`${line.path} is listed in ${SUMS_FILE} but not in the bundle`);
    if (found.sha256 !== line.sha256) throw invalid(`${line.path}: SHA-256 ${found.sha256.slice(0, 16)}… does not match ${SUMS_FILE} (${line.sha256.slice(0, 16)}…)`);
    files.push({ path: line.path, sha256: found.sha256, size: found.size });
  }
  const listedPaths = new Set(listed.map((l) => l.path));
  for (const path of seen.keys()) {
    if (path !== SUMS_FILE && path !== SIGNATURE_FILE && !listedPaths.has(path)) throw invalid(`${path} is in the bundle but not listed in ${SUMS_FILE}`);
  }
  return { folder, files, keyFingerprint };
}

function invalid(reason: string, cause?: unknown): FloeError {
  return new FloeError('FIRMWARE_INVALID', `firmware bundle refused: ${reason}`, cause === undefined ? {} : { cause });
}
