// A small XDR codec (RFC 4506): just the types ONC RPC, MOUNT v3 and NFSv3 use.
// Everything is big-endian and padded to a multiple of four bytes (RFC 4506 §3).
// Written by hand rather than taken from @jsonjoy.com/json-pack: the subset is small, and a
// reader that hands out views of the reply buffer keeps READ data zero-copy.
import { FloeError } from '../../errors.js';

const PADDING = Buffer.alloc(4);

function padLength(length: number): number {
  return (4 - (length & 3)) & 3;
}

/** Builds one XDR stream into a growing buffer. */
export class XdrWriter {
  private buf: Buffer;
  private pos: number;

  /** `reserve` leaves room at the start, e.g. for the record mark of RFC 5531 §11. */
  constructor(initialSize = 256, reserve = 0) {
    this.buf = Buffer.allocUnsafe(Math.max(initialSize, reserve + 16));
    this.pos = reserve;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** RFC 4506 §4.2 unsigned integer. */
  uint32(value: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(value >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  /** RFC 4506 §4.1 integer. */
  int32(value: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(value, this.pos);
    this.pos += 4;
    return this;
  }

  /** RFC 4506 §4.5 unsigned hyper integer. */
  uint64(value: bigint | number): this {
    this.ensure(8);
    this.buf.writeBigUInt64BE(BigInt(value), this.pos);
    this.pos += 8;
    return this;
  }

  /** RFC 4506 §4.4 boolean. */
  bool(value: boolean): this {
    return this.uint32(value ? 1 : 0);
  }

  /** RFC 4506 §4.9 fixed-length opaque data. */
  fixedOpaque(data: Uint8Array, length: number): this {
    if (data.length !== length) throw new FloeError('INVALID_ARGUMENT', `XDR: fixed opaque needs ${length} bytes, got ${data.length}`);
    return this.raw(data, length);
  }

  /** RFC 4506 §4.10 variable-length opaque data (also §4.11 strings, which we keep as bytes). */
  opaque(data: Uint8Array, maxLength = 0xffffffff): this {
    if (data.length > maxLength) throw new FloeError('INVALID_ARGUMENT', `XDR: opaque of ${data.length} bytes exceeds its limit of ${maxLength}`);
    this.uint32(data.length);
    return this.raw(data, data.length);
  }

  /** RFC 4506 §4.11 string; floe passes file names as bytes, so this is only for ASCII text. */
  string(text: string, maxLength = 0xffffffff): this {
    return this.opaque(Buffer.from(text, 'utf8'), maxLength);
  }

  private raw(data: Uint8Array, length: number): this {
    const pad = padLength(length);
    this.ensure(length + pad);
    this.buf.set(data, this.pos);
    this.pos += length;
    if (pad > 0) {
      PADDING.copy(this.buf, this.pos, 0, pad);
      this.pos += pad;
    }
    return this;
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes written so far (a view, not a copy). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Reads one XDR stream; opaque data comes back as views of the input buffer. */
export class XdrReader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  private need(length: number): void {
    if (this.pos + length > this.buf.length) {
      throw new FloeError('SOURCE_PROTOCOL', `XDR: reply truncated (need ${length} bytes at offset ${this.pos} of ${this.buf.length})`);
    }
  }

  uint32(): number {
    this.need(4);
    const value = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return value;
  }

  int32(): number {
    this.need(4);
    const value = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return value;
  }

  uint64(): bigint {
    this.need(8);
    const value = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return value;
  }

  /** A uint64 that must fit a JavaScript number exactly (sizes, offsets). */
  uint64Number(): number {
    const value = this.uint64();
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new FloeError('SOURCE_PROTOCOL', `XDR: value ${value} is too large`);
    return Number(value);
  }

  /** RFC 4506 §4.4: a boolean is an enum of FALSE = 0 and TRUE = 1; anything else is an error. */
  bool(): boolean {
    const value = this.uint32();
    if (value > 1) throw new FloeError('SOURCE_PROTOCOL', `XDR: invalid boolean ${value}`);
    return value === 1;
  }

  fixedOpaque(length: number): Buffer {
    this.need(length + padLength(length));
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length + padLength(length);
    return out;
  }

  opaque(maxLength = 0xffffffff): Buffer {
    const length = this.uint32();
    if (length > maxLength) throw new FloeError('SOURCE_PROTOCOL', `XDR: opaque of ${length} bytes exceeds its limit of ${maxLength}`);
    return this.fixedOpaque(length);
  }

  string(maxLength = 0xffffffff): string {
    return this.opaque(maxLength).toString('utf8');
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }
}
