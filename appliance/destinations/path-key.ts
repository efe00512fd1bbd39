// Journal paths are exact bytes; destination keys are strings. This file is the one place that
// turns one into the other, for every destination.
//
// A key is the path decoded as UTF-8, where each byte that is not part of a valid UTF-8 sequence
// becomes the lone surrogate U+DC80..U+DCFF (PEP 383's "surrogateescape"). Valid UTF-8 never
// decodes to a lone surrogate, so the mapping is reversible and two paths never share a key.
// Destinations that need UTF-8 (S3) refuse keys holding such surrogates; file systems write the
// original bytes back.
import { isUtf8 } from 'node:buffer';
import { FloeError } from '../errors.js';
import { displayPath, type FileEntry } from '../journal/file-entry.js';

const SLASH = 0x2f;
const DOT = 0x2e;

/** Decodes bytes as UTF-8, escaping invalid bytes as U+DC80+byte. */
export function bytesToKey(bytes: Uint8Array): string {
  // The common case in one call: isUtf8 accepts exactly what utf8SequenceLength does (no overlong
  // forms, no surrogates, nothing above U+10FFFF), so there is nothing to escape.
  if (isUtf8(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const length = utf8SequenceLength(bytes, i);
    if (length === 0) {
      out += String.fromCharCode(0xdc00 | bytes[i]!);
      i += 1;
    } else {
      out += Buffer.from(bytes.subarray(i, i + length)).toString('utf8');
      i += length;
    }
  }
  return out;
}

/** The exact bytes a key stands for (inverse of `bytesToKey`). */
export function keyToBytes(key: string): Buffer {
  const parts: Buffer[] = [];
  let run = '';
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    const isLead = code >= 0xd800 && code <= 0xdbff;
    const next = i + 1 < key.length ? key.charCodeAt(i + 1) : 0;
    if (isLead && next >= 0xdc00 && next <= 0xdfff) {
      run += key[i]! + key[i + 1]!;
      i += 1;
    } else if (code >= 0xdc80 && code <= 0xdcff) {
      parts.push(Buffer.from(run, 'utf8'), Buffer.from([code & 0xff]));
      run = '';
    } else {
      run += key[i]!;
    }
  }
  parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

/** True when the key came from valid UTF-8 (no escaped bytes). */
export function isUtf8Key(key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code < 0xd800 || code > 0xdfff) continue;
    // A pair stands for one character beyond U+FFFF; a lone low surrogate U+DC80..U+DCFF is an escaped byte.
    if (code <= 0xdbff && i + 1 < key.length && (key.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    else if (code >= 0xdc80 && code <= 0xdcff) return false;
  }
  return true;
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there starts none. */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i]!;
  if (b0 < 0x80) return 1;
  let length: number;
  let min: number;
  let max = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    length = 2;
    min = 0x80;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    length = 3;
    min = b0 === 0xe0 ? 0xa0 : 0x80; // no overlong forms
    if (b0 === 0xed) max = 0x9f; // no UTF-16 surrogates
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    length = 4;
    min = b0 === 0xf0 ? 0x90 : 0x80;
    if (b0 === 0xf4) max = 0x8f; // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > bytes.length) return 0;
  const b1 = bytes[i + 1]!;
  if (b1 < min || b1 > max) return 0;
  for (let k = 2; k < length; k++) {
    const b = bytes[i + k]!;
    if (b < 0x80 || b > 0xbf) return 0;
  }
  return length;
}

/**
 * Checks a journal path's shape (relative, '/'-separated, no empty, '.' or '..' components, no
 * NUL) and returns it as a key; directories get a trailing '/'. Throws DESTINATION_NAME_INVALID.
 */
export function relativeKey(entry: Pick<FileEntry, 'path' | 'type'>): string {
  const path = entry.path;
  const invalid = (why: string): FloeError =>
    new FloeError('DESTINATION_NAME_INVALID', `${why}: "${displayPath(path)}"`, { details: { path: displayPath(path) } });
  if (path.length === 0) throw invalid('empty path (the destination root itself is not an entry)');
  if (path.includes(0)) throw invalid('path contains a NUL byte');
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i < path.length && path[i] !== SLASH) continue;
    const length = i - start;
    if (length === 0 || (length <= 2 && path[start] === DOT && path[i - 1] === DOT)) {
      throw invalid(`path has an empty, "." or ".." component`);
    }
    start = i + 1;
  }
  const key = bytesToKey(path);
  return entry.type === 'directory' ? `${key}/` : key;
}

/** The key without a directory's trailing '/'. */
export function stripDirectorySlash(key: string): string {
  return key.endsWith('/') ? key.slice(0, -1) : key;
}
