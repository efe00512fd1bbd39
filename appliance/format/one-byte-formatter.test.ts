// One byte formatter for every surface (issue 26): the UI, the CLI and the reports print sizes and
// rates through units.ts; no other runtime file divides by 1024 and prints a unit of its own.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The folders of code that runs on the device or prints for a person (build and bench scripts aside). */
const RUNTIME = ['appliance', 'ui', 'provisioning', 'image'];
const UNITS_FILE = join('appliance', 'format', 'units.ts');

/** Shapes of a hand-rolled byte format: a computed value followed by a binary or decimal unit. */
const HAND_ROLLED: readonly RegExp[] = [
  /\$\{[^}]*\}\s*[KMGTP]i?B\b/u, // `${(n / 1048576).toFixed(1)} MiB`
  /toFixed\(\d\)[^;\n]{0,30}[KMGTP]i?B\b/u, // (n / 1024).toFixed(1) + ' KiB'
  /\/\s*(?:1024|1048576|1073741824)\b[^;\n]*toFixed/u, // bytes / 1024 ... toFixed
  /toFixed\(\d\)[^;\n]{0,10}units?\[/iu, // `${v.toFixed(1)} ${units[u]}`
  /=\s*\[\s*['"]B['"]\s*,\s*['"]K/u, // a table of units of its own: ['B', 'KiB', ...]
];

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sourceFiles(path)));
    else if (/\.tsx?$/u.test(e.name) && !/\.test\.tsx?$/u.test(e.name) && !e.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Lines that format bytes by hand, comments left out. */
function handRolled(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\*|\/\*)/u.test(line))
    .filter((line) => HAND_ROLLED.some((re) => re.test(line)));
}

describe('one byte formatter', () => {
  it('finds the hand-rolled shapes it looks for', () => {
    expect(handRolled('const s = `${(n / 1048576).toFixed(1)} MiB`;')).toHaveLength(1);
    expect(handRolled("return (n / 1024).toFixed(2) + ' KiB';")).toHaveLength(1);
    expect(handRolled("const UNITS = ['B', 'KB', 'MB'];")).toHaveLength(1);
    // The import report's own, before issue 26.
    expect(handRolled("  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];\n  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;")).toHaveLength(2);
    expect(handRolled('const s = formatBytes(n); // not 1.5 MiB by hand')).toEqual([]);
    expect(handRolled(' * `${x} MiB` in a comment')).toEqual([]);
  });

  it('is units.ts: no other runtime file formats bytes by hand', async () => {
    const files = (await Promise.all(RUNTIME.map(sourceFiles))).flat().filter((f) => f !== UNITS_FILE);
    expect(files.length).toBeGreaterThan(100);
    const found: string[] = [];
    for (const f of files) for (const line of handRolled(await readFile(f, 'utf8'))) found.push(`${f}: ${line.trim()}`);
    expect(found).toEqual([]);
  });

  it('the UI, the CLI and the reports take their formats from it', async () => {
    for (const f of ['ui/data/format.ts', 'appliance/cli/progress-printer.ts', 'appliance/cli/hardware-command.ts', 'appliance/transfer/import-report.ts']) {
      expect(await readFile(f, 'utf8'), f).toMatch(/from '(\.\.\/)+(appliance\/)?format\/units\.js'/u);
    }
  });
});
