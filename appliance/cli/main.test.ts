import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const tsx = 'node_modules/.bin/tsx';
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

describe('floe CLI entry', () => {
  it('prints the package version', () => {
    expect(execFileSync(tsx, ['appliance/cli/bin.ts', '--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version);
  });

  it('prints help naming the program', () => {
    const out = execFileSync(tsx, ['appliance/cli/bin.ts', '--help'], { encoding: 'utf8' });
    expect(out).toMatch(/^Usage: floe /);
  });
});
