import { describe, expect, it } from 'vitest';
import { bytesToKey, isUtf8Key, keyToBytes, relativeKey } from './path-key.js';

describe('path keys', () => {
  it('keeps valid UTF-8 as text, including astral characters', () => {
    const path = Buffer.from('dir/naïve 🧊.txt');
    expect(bytesToKey(path)).toBe('dir/naïve 🧊.txt');
    expect(isUtf8Key(bytesToKey(path))).toBe(true);
    expect(keyToBytes(bytesToKey(path)).equals(path)).toBe(true);
  });

  it('escapes every invalid byte and gets the exact bytes back', () => {
    const cases = [
      Buffer.from([0x63, 0x61, 0x66, 0xe9]), // Latin-1 é
      Buffer.from([0xc0, 0xaf]), // overlong '/'
      Buffer.from([0xed, 0xa0, 0x80]), // a UTF-16 surrogate encoded in UTF-8
      Buffer.from([0xf4, 0x90, 0x80, 0x80]), // above U+10FFFF
      Buffer.from([0xe2, 0x82]), // truncated sequence
      Buffer.from([0xff, 0xfe, 0x41]),
    ];
    for (const path of cases) {
      const key = bytesToKey(path);
      expect(isUtf8Key(key)).toBe(false);
      expect(keyToBytes(key).equals(path)).toBe(true);
    }
    expect(bytesToKey(Buffer.from([0x61, 0xe9]))).toBe('a\udce9');
  });

  it('gives directories a trailing slash and refuses malformed paths', () => {
    expect(relativeKey({ path: Buffer.from('a/b'), type: 'directory' })).toBe('a/b/');
    expect(relativeKey({ path: Buffer.from('a/b'), type: 'file' })).toBe('a/b');
    for (const bad of ['', '/a', 'a/', 'a//b', '.', 'a/./b', '../a', 'x/.', 'a/..', 'a\0b']) {
      expect(() => relativeKey({ path: Buffer.from(bad), type: 'file' })).toThrow(expect.objectContaining({ code: 'DESTINATION_NAME_INVALID' }));
    }
    expect(relativeKey({ path: Buffer.from('...'), type: 'file' })).toBe('...');
    for (const good of ['.a', 'a.', '.a/..b/c..']) expect(relativeKey({ path: Buffer.from(good), type: 'file' })).toBe(good);
  });

  it('maps every byte string to a key and back exactly; only valid UTF-8 gives a UTF-8 key', () => {
    // Seeded, so a failure reproduces: runs of ASCII, multi-byte characters, and stray bytes.
    let state = 12345;
    const next = (n: number) => ((state = (state * 1103515245 + 12345) & 0x7fffffff) % n);
    const pieces = [Buffer.from('a/b'), Buffer.from('é'), Buffer.from('🧊'), Buffer.from('中'), Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0x80]), Buffer.from([0xed, 0xb2, 0x80])];
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.concat(Array.from({ length: 1 + next(8) }, () => pieces[next(pieces.length)]!));
      const key = bytesToKey(bytes);
      expect(keyToBytes(key).equals(bytes)).toBe(true);
      const valid = Buffer.from(key, 'utf8').equals(bytes) && !/[\udc80-\udcff]/.test(key);
      expect(isUtf8Key(key)).toBe(valid);
    }
    // A subarray of a larger buffer decodes only its own bytes.
    const big = Buffer.from('xx/naïve/yy');
    expect(bytesToKey(big.subarray(3, 9))).toBe('naïve');
  });
});
