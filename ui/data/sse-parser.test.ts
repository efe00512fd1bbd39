import { describe, expect, it } from 'vitest';
import { SseParser } from './sse-parser.js';

describe('SseParser', () => {
  it('parses id, event and multi-line data across chunk boundaries, skipping comments', () => {
    const p = new SseParser();
    expect(p.push('retry: 2000\n\n: heartbeat\n\nid: 7\nevent: lifecycle\nda')).toEqual([]);
    expect(p.push('ta: {"a":1}\ndata: {"b":2}\r\n\r\nevent: reset\ndata: {}\n\n')).toEqual([
      { id: '7', event: 'lifecycle', data: '{"a":1}\n{"b":2}' },
      { id: '7', event: 'reset', data: '{}' },
    ]);
    expect(p.lastEventId).toBe('7');
  });
});
