// The small part of POSIX ustar (IEEE Std 1003.1, "pax" format, ustar header) that firmware
// bundles use: regular files and directories, names up to 255 bytes, one gzip stream around it.
// Written here rather than taken from npm so the device's verifier has no dependency to trust.

const BLOCK = 512;

export interface TarFile {
  /** Path inside the archive, '/'-separated, no leading '/'. */
  readonly name: string;
  readonly mode: number;
  readonly data: Uint8Array;
  /** Seconds since the epoch; 0 makes the archive reproducible. */
  readonly mtime?: number;
}

export interface TarEntryHeader {
  readonly name: string;
  readonly type: 'file' | 'directory';
  readonly mode: number;
  readonly size: number;
}

export class TarFormatError extends Error {
  override readonly name = 'TarFormatError';
}

/** One uncompressed ustar archive holding `files` in the given order. */
export function writeTar(files: readonly TarFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    parts.push(header(file.name, file.mode, file.data.length, file.mtime ?? 0));
    parts.push(Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength));
    const pad = (BLOCK - (file.data.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

function header(name: string, mode: number, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const nameBytes = Buffer.from(name, 'utf8');
  let prefix = Buffer.alloc(0);
  let rest = nameBytes;
  if (nameBytes.length > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new TarFormatError(`name too long for ustar: ${name}`);
    prefix = Buffer.from(name.slice(0, cut), 'utf8');
    rest = Buffer.from(name.slice(cut + 1), 'utf8');
  }
  rest.copy(h, 0);
  octal(h, 100, 8, mode & 0o7777);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, mtime);
  h.fill(0x20, 148, 156); // checksum computed with its own field as spaces
  h.write('0', 156, 'latin1');
  h.write('ustar\u000000', 257, 'latin1');
  prefix.copy(h, 345);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return h;
}

function octal(h: Buffer, offset: number, length: number, value: number): void {
  h.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, 'latin1');
}

export interface TarVisitor {
  entry(header: TarEntryHeader): void;
  data(chunk: Buffer): void;
  /** The current entry's data has all arrived. */
  entryEnd(): void;
}

/**
 * A streaming ustar reader: push the bytes as they come, call `end()` at the end. Anything it does
 * not understand (links, devices, pax or GNU extension headers, a bad header checksum, a truncated
 * archive) is a TarFormatError: a firmware bundle has no reason to contain such things.
 */
export class TarReader {
  readonly #visitor: TarVisitor;
  #pending: Buffer = Buffer.alloc(0);
  #remaining = 0; // data bytes of the current entry still to come
  #padding = 0;
  #inEntry = false;
  #finished = false;
  #zeroBlocks = 0;

  constructor(visitor: TarVisitor) {
    this.#visitor = visitor;
  }

  push(chunk: Buffer): void {
    let buf = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = Buffer.alloc(0);
    while (buf.length > 0) {
      if (this.#finished) {
        if (buf.some((b) => b !== 0)) throw new TarFormatError('data after the end of the archive');
        return;
      }
      if (this.#remaining > 0) {
        const n = Math.min(this.#remaining, buf.length);
        this.#visitor.data(buf.subarray(0, n));
        this.#remaining -= n;
        buf = buf.subarray(n);
        if (this.#remaining === 0) this.#closeEntry();
        continue;
      }
      if (this.#padding > 0) {
        const n = Math.min(this.#padding, buf.length);
        this.#padding -= n;
        buf = buf.subarray(n);
        continue;
      }
      if (buf.length < BLOCK) {
        this.#pending = Buffer.from(buf);
        return;
      }
      this.#header(buf.subarray(0, BLOCK));
      buf = buf.subarray(BLOCK);
    }
  }

  end(): void {
    if (!this.#finished) throw new TarFormatError('the archive is truncated');
  }

  #header(block: Buffer): void {
    if (block.every((b) => b === 0)) {
      this.#zeroBlocks += 1;
      if (this.#zeroBlocks === 2) this.#finished = true;
      return;
    }
    if (this.#zeroBlocks > 0) throw new TarFormatError('a header follows an end-of-archive block');
    const stored = parseOctal(block, 148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    if (stored !== sum) throw new TarFormatError('a tar header checksum does not match');
    if (block.toString('latin1', 257, 262) !== 'ustar') throw new TarFormatError('not a ustar archive');
    const typeflag = block.toString('latin1', 156, 157);
    const name = [cString(block, 345, 155), cString(block, 0, 100)].filter((s) => s.length > 0).join('/');
    const size = parseOctal(block, 124, 12);
    let type: TarEntryHeader['type'];
    if (typeflag === '0' || typeflag === '\u0000') type = 'file';
    else if (typeflag === '5') type = 'directory';
    else throw new TarFormatError(`unsupported tar entry type '${typeflag}' for ${name}`);
    if (type === 'directory' && size !== 0) throw new TarFormatError(`directory ${name} has a size`);
    this.#visitor.entry({ name, type, mode: parseOctal(block, 100, 8), size });
    this.#inEntry = true;
    this.#remaining = size;
    this.#padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.#closeEntry();
  }

  #closeEntry(): void {
    if (!this.#inEntry) return;
    this.#inEntry = false;
    this.#visitor.entryEnd();
  }
}

function cString(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const nul = field.indexOf(0);
  return field.toString('utf8', 0, nul === -1 ? length : nul);
}

function parseOctal(block: Buffer, offset: number, length: number): number {
  const raw = block.toString('latin1', offset, offset + length);
  const nul = raw.indexOf('\u0000');
  const text = (nul === -1 ? raw : raw.slice(0, nul)).trim();
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError('a tar header field is not an octal number');
  return parseInt(text, 8);
}

/** Every file of a whole archive held in memory (small archives: tests, inspection). */
export function readTar(archive: Buffer): TarFile[] {
  const out: TarFile[] = [];
  let cur: { name: string; mode: number; parts: Buffer[] } | undefined;
  const reader = new TarReader({
    entry: (h) => (cur = { name: h.name, mode: h.mode, parts: [] }),
    data: (c) => cur?.parts.push(Buffer.from(c)),
    entryEnd: () => {
      if (cur) out.push({ name: cur.name, mode: cur.mode, data: Buffer.concat(cur.parts) });
      cur = undefined;
    },
  });
  reader.push(archive);
  reader.end();
  return out;
}
