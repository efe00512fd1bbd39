// The job manifest `<jobId>_manifest.bin` (docs/manifest-format.md): the job's public
// configuration in canonical JSON, and the job data key plus the device's Ed25519 seed wrapped
// under scrypt(unlock code) with AES-256-GCM, whose additional data is the header and the
// configuration, so that no byte of either can change without the unwrap failing.
import { open as openFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnauthenticatedError } from '../appliance/crypto/errors.js';
import { sha256 } from '../appliance/crypto/hash.js';
import { unwrapSecret, wrapSecret, type WrappedSecret } from '../appliance/crypto/key-wrap.js';
import { SecretKey } from '../appliance/crypto/secret-key.js';
import { SigningKey } from '../appliance/crypto/signing.js';
import { FloeError } from '../appliance/errors.js';
import { DEFAULT_JOB_TYPE } from '../appliance/lifecycle/job-lifecycle.js';
import { canonicalJson, type CanonicalValue } from './canonical-json.js';
import { manifestFileName, type DeviceId, type JobId } from './job-ids.js';
import { encodeManifestConfig, manifestConfigProblems, type ManifestConfig } from './manifest-config.js';
import { formatProblem } from './spec-checks.js';
import { normalizeUnlockCode } from './unlock-code.js';

export type { ManifestConfig, ScryptKdf } from './manifest-config.js';

/** §2: "FLOEMNF" followed by a zero byte. */
export const MANIFEST_MAGIC = Buffer.from('FLOEMNF\0', 'latin1');
export const MANIFEST_VERSION = 1;
export const HEADER_LENGTH = 16;
export const MAX_CONFIG_LENGTH = 64 * 1024;
const SALT_LENGTH = 16;
const NONCE_LENGTH = 12;
const KEY_LENGTH = 32;
/** §4: DEK (32) || Ed25519 seed (32), sealed with a 16-byte tag. */
const PAYLOAD_LENGTH = 2 * KEY_LENGTH;
const SEALED_LENGTH = PAYLOAD_LENGTH + 16;
const WRAPPED_LENGTH = SALT_LENGTH + NONCE_LENGTH + 4 + SEALED_LENGTH;
const CHECKSUM_LENGTH = 32;

/** A manifest as read from its file: the public part, checked, and the wrapped secret. */
export interface Manifest {
  readonly formatVersion: typeof MANIFEST_VERSION;
  readonly jobId: JobId;
  readonly deviceId: DeviceId;
  readonly config: ManifestConfig;
  /** The bytes the AEAD authenticates: header and canonical configuration (§4). */
  readonly authenticatedData: Buffer;
  readonly wrapped: WrappedSecret;
}

/** The secrets a manifest carries. The caller owns them: dispose the DEK when done. */
export interface ManifestSecrets {
  readonly dek: SecretKey;
  readonly deviceKey: SigningKey;
}

export const WRONG_CODE_MESSAGE = 'unlock code does not open this manifest (wrong code, or the manifest was changed)';

/** Encodes a manifest. `code` may be typed loosely; it is normalized first. */
export async function encodeManifest(config: ManifestConfig, secrets: ManifestSecrets, code: string): Promise<Buffer> {
  const problems = manifestConfigProblems(JSON.parse(canonicalJson(config as unknown as CanonicalValue)));
  if (problems.length > 0) throw new FloeError('INTERNAL', `refusing to write an invalid manifest: ${formatProblem(problems[0]!)}`);
  const unlockCode = normalizeUnlockCode(code);
  const configBytes = encodeManifestConfig(config);
  if (configBytes.length > MAX_CONFIG_LENGTH) throw new FloeError('JOB_SPEC_INVALID', `the job's configuration is ${configBytes.length} bytes; a manifest holds at most ${MAX_CONFIG_LENGTH}`);
  const header = Buffer.alloc(HEADER_LENGTH);
  MANIFEST_MAGIC.copy(header, 0);
  header.writeUInt16LE(MANIFEST_VERSION, 8);
  header.writeUInt16LE(0, 10);
  header.writeUInt32LE(configBytes.length, 12);
  const authenticatedData = Buffer.concat([header, configBytes]);

  const payload = Buffer.allocUnsafeSlow(PAYLOAD_LENGTH);
  const dek = secrets.dek.exportBytes();
  const seed = secrets.deviceKey.exportSeed();
  let wrapped: WrappedSecret;
  try {
    if (dek.length !== KEY_LENGTH) throw new RangeError('the job data key must be 32 bytes');
    dek.copy(payload, 0);
    seed.copy(payload, KEY_LENGTH);
    const { N, r, p } = config.kdf;
    wrapped = await wrapSecret(unlockCode, payload, authenticatedData, { N, r, p });
  } finally {
    dek.fill(0);
    seed.fill(0);
    payload.fill(0);
  }
  const sealedLength = Buffer.alloc(4);
  sealedLength.writeUInt32LE(wrapped.sealed.length, 0);
  const body = Buffer.concat([authenticatedData, wrapped.salt, wrapped.nonce, sealedLength, wrapped.sealed]);
  return Buffer.concat([body, sha256(body)]);
}

/** Writes `<outDir>/<jobId>_manifest.bin` (never over an existing file) and returns its path. */
export async function writeManifest(outDir: string, config: ManifestConfig, secrets: ManifestSecrets, code: string): Promise<string> {
  const bytes = await encodeManifest(config, secrets, code);
  const path = join(outDir, manifestFileName(config.jobId));
  const file = await openFile(path, 'wx', 0o600).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EEXIST') throw new FloeError('CONFLICT', `${path} already exists`, { cause: err });
    throw err;
  });
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  return path;
}

/**
 * Reads and checks a manifest's public part. Anything that is not a well-formed version 1
 * manifest, including any damage the trailing checksum catches, is MANIFEST_INVALID with a
 * message saying what is wrong. Needs no unlock code.
 */
export function readManifest(bytes: Uint8Array): Manifest {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (data.length < HEADER_LENGTH) throw invalid(`${data.length} bytes is too short to be a floe manifest`);
  if (!data.subarray(0, 8).equals(MANIFEST_MAGIC)) throw invalid('not a floe manifest (the file does not begin with "FLOEMNF")');
  const version = data.readUInt16LE(8);
  if (version !== MANIFEST_VERSION) throw invalid(`manifest format version ${version} is not supported (this floe reads version ${MANIFEST_VERSION})`);
  if (data.readUInt16LE(10) !== 0) throw invalid('unknown flags in the manifest header');
  const configLength = data.readUInt32LE(12);
  if (configLength === 0 || configLength > MAX_CONFIG_LENGTH) throw invalid(`configuration length ${configLength} is out of range (1 to ${MAX_CONFIG_LENGTH})`);
  const expected = HEADER_LENGTH + configLength + WRAPPED_LENGTH + CHECKSUM_LENGTH;
  if (data.length < expected) throw invalid(`the file is truncated: ${data.length} bytes, expected ${expected}`);
  if (data.length > expected) throw invalid(`the file has ${data.length - expected} unexpected bytes at the end`);
  const bodyEnd = expected - CHECKSUM_LENGTH;
  if (!sha256(data.subarray(0, bodyEnd)).equals(data.subarray(bodyEnd))) {
    throw invalid('checksum mismatch: the file is damaged (copy it again from where it was made)');
  }

  const configEnd = HEADER_LENGTH + configLength;
  const config = decodeConfig(data.subarray(HEADER_LENGTH, configEnd));
  let at = configEnd;
  const salt = Buffer.from(data.subarray(at, (at += SALT_LENGTH)));
  const nonce = Buffer.from(data.subarray(at, (at += NONCE_LENGTH)));
  const sealedLength = data.readUInt32LE(at);
  at += 4;
  if (sealedLength !== SEALED_LENGTH) throw invalid(`wrapped secret is ${sealedLength} bytes, expected ${SEALED_LENGTH}`);
  const sealed = Buffer.from(data.subarray(at, at + SEALED_LENGTH));
  const { N, r, p } = config.kdf;
  return {
    formatVersion: MANIFEST_VERSION,
    jobId: config.jobId,
    deviceId: config.deviceId,
    config,
    authenticatedData: Buffer.from(data.subarray(0, configEnd)),
    wrapped: { kdf: 'scrypt', params: { N, r, p }, salt, nonce, sealed },
  };
}

/**
 * Opens a manifest with its unlock code. A wrong code and a changed manifest cannot be told
 * apart (both fail the AEAD), so both are WRONG_UNLOCK_CODE. A malformed code is
 * INVALID_ARGUMENT and costs no key derivation. The caller owns the returned keys.
 */
export async function openManifest(manifest: Manifest, code: string): Promise<ManifestSecrets> {
  const unlockCode = normalizeUnlockCode(code);
  let payload: Buffer;
  try {
    payload = await unwrapSecret(unlockCode, manifest.wrapped, manifest.authenticatedData);
  } catch (err) {
    if (err instanceof UnauthenticatedError) {
      throw new FloeError('WRONG_UNLOCK_CODE', WRONG_CODE_MESSAGE, { details: { jobId: manifest.jobId } });
    }
    throw err;
  }
  try {
    if (payload.length !== PAYLOAD_LENGTH) throw invalid(`the wrapped secret is ${payload.length} bytes, expected ${PAYLOAD_LENGTH}`);
    const seed = payload.subarray(KEY_LENGTH);
    const deviceKey = SigningKey.fromSeed(seed);
    if (deviceKey.publicKey.toString('hex') !== manifest.config.devicePublicKey) {
      throw invalid('the device key inside the manifest does not match its devicePublicKey');
    }
    // fromBytes copies the DEK out and zeroes its source range.
    return { dek: SecretKey.fromBytes(payload.subarray(0, KEY_LENGTH)), deviceKey };
  } finally {
    payload.fill(0);
  }
}

function decodeConfig(bytes: Buffer): ManifestConfig {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw invalid('the configuration is not valid UTF-8 JSON');
  }
  const problems = manifestConfigProblems(value);
  if (problems.length > 0) {
    const first = problems[0]!;
    throw invalid(`configuration ${formatProblem(first)}`, { field: first.field, problems });
  }
  // One value, one encoding (§3): anything else was not written by floe.
  if (!encodeManifestConfig(value as ManifestConfig).equals(bytes)) throw invalid('the configuration is not in canonical form');
  // A manifest made before EXPORT jobs names no job type: it is an IMPORT job. The bytes the AEAD
  // authenticates stay as they were read (authenticatedData), so it still opens.
  const config = value as ManifestConfig;
  return config.jobType === undefined ? { ...config, jobType: DEFAULT_JOB_TYPE } : config;
}

function invalid(message: string, details?: Record<string, unknown>): FloeError {
  return new FloeError('MANIFEST_INVALID', `manifest: ${message}`, details === undefined ? {} : { details });
}
