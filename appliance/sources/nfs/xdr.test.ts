import { describe, expect, it } from 'vitest';
import { RecordAssembler, markLastFragment } from './record-marking.js';
import { XdrReader, XdrWriter } from './xdr.js';

describe('XDR (RFC 4506)', () => {
  it('encodes big-endian integers, hypers and padded opaques byte for byte', () => {
    const bytes = new XdrWriter(4).uint32(0xdeadbeef).int32(-2).uint64(0x0102030405060708n).bool(true).opaque(Buffer.from([0xff, 0xfe, 0x41])).fixedOpaque(Buffer.from('abcd'), 4).string('hi').finish();
    expect(bytes.toString('hex')).toBe('deadbeef' + 'fffffffe' + '0102030405060708' + '00000001' + '00000003fffe4100' + '61626364' + '00000002' + '68690000');
  });

  it('decodes what it encodes, with opaques as exact bytes', () => {
    const name = Buffer.from([0x66, 0xff, 0xfe]);
    const r = new XdrReader(new XdrWriter().uint64(2n ** 64n - 1n).opaque(name).uint32(7).finish());
    expect(r.uint64()).toBe(2n ** 64n - 1n);
    expect(r.opaque().equals(name)).toBe(true);
    expect(r.uint32()).toBe(7);
    expect(r.remaining).toBe(0);
  });

  it('refuses truncated input, bad booleans and over-long opaques with SOURCE_PROTOCOL', () => {
    expect(() => new XdrReader(Buffer.alloc(3)).uint32()).toThrow(expect.objectContaining({ code: 'SOURCE_PROTOCOL' }));
    expect(() => new XdrReader(new XdrWriter().uint32(2).finish()).bool()).toThrow(/invalid boolean 2/);
    expect(() => new XdrReader(new XdrWriter().opaque(Buffer.alloc(65)).finish()).opaque(64)).toThrow(/exceeds its limit of 64/);
    expect(() => new XdrReader(new XdrWriter().uint32(8).uint32(1).finish()).opaque()).toThrow(/truncated/);
  });
});

const frag = (payload: Buffer, last: boolean): Buffer => {
  const h = Buffer.alloc(4);
  h.writeUInt32BE(((last ? 0x80000000 : 0) | payload.length) >>> 0);
  return Buffer.concat([h, payload]);
};

describe('RPC record marking (RFC 5531 §11)', () => {
  it('reassembles records split across fragments and TCP chunks in any way', () => {
    const stream = Buffer.concat([frag(Buffer.from('hello '), false), frag(Buffer.from('world'), true), frag(Buffer.from('second'), true)]);
    for (const size of [1, 2, 3, 5, 7, stream.length]) {
      const records: string[] = [];
      const assembler = new RecordAssembler((r) => records.push(r.toString()));
      for (let i = 0; i < stream.length; i += size) assembler.push(stream.subarray(i, i + size));
      expect(records, `chunks of ${size}`).toEqual(['hello world', 'second']);
    }
  });

  it('copies what it needs during push: the socket may read the next bytes into the same buffer', () => {
    const stream = Buffer.concat([frag(Buffer.alloc(3000, 'a'), false), frag(Buffer.alloc(0), false), frag(Buffer.from('bc'), true), frag(Buffer.from(''), true), frag(Buffer.from('xyz'), true)]);
    const records: Buffer[] = [];
    const assembler = new RecordAssembler((r) => records.push(r));
    const reused = Buffer.alloc(700);
    for (let i = 0; i < stream.length; i += reused.length) {
      const n = stream.copy(reused, 0, i, i + reused.length);
      assembler.push(reused.subarray(0, n));
      reused.fill(0xee);
    }
    expect(records.map((r) => r.toString())).toEqual(['a'.repeat(3000) + 'bc', '', 'xyz']);
  });

  it('marks a single-fragment record in the reserved first four bytes', () => {
    const message = markLastFragment(Buffer.concat([Buffer.alloc(4), Buffer.from('abc')]));
    expect(message.toString('hex')).toBe('80000003' + Buffer.from('abc').toString('hex'));
  });
});
