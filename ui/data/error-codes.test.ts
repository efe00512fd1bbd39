// Every error code the UI names is one of the daemon's (appliance/errors.ts, ERROR_TABLE), or the
// UI's own NOT_AVAILABLE: no typo, no code the daemon never sends (issue 26).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_TABLE } from '../../appliance/errors.js';
import { NOT_AVAILABLE } from './ui-error.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? sources(join(dir, d.name)) : /\.tsx?$/.test(d.name) ? [join(dir, d.name)] : []));
}

describe('error codes in the UI', () => {
  it('are all in the daemon\'s error table', () => {
    const root = new URL('..', import.meta.url).pathname;
    const used = new Map<string, string>();
    for (const file of sources(root).filter((f) => !f.endsWith('error-codes.test.ts'))) {
      const text = readFileSync(file, 'utf8');
      // code: 'X', code === 'X', errorCode: 'X', [X] shown in a test's expected text
      for (const m of text.matchAll(/\b(?:code|errorCode|ErrorCode)\s*(?::|===|!==)\s*'([A-Z][A-Z0-9_]*)'/g)) used.set(m[1]!, file);
      for (const m of text.matchAll(/\[([A-Z][A-Z0-9]*_[A-Z0-9_]+)\]/g)) used.set(m[1]!, file);
    }
    expect(used.size).toBeGreaterThan(5);
    const unknown = [...used].filter(([code]) => code !== NOT_AVAILABLE && !(code in ERROR_TABLE)).map(([code, file]) => `${code} (${file})`);
    expect(unknown).toEqual([]);
  });
});
