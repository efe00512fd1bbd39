// image/systemd/*.service: hardened (issue 26: `systemd-analyze security` at or below 4.0, measured
// offline since systemd is not PID 1 here), valid for `systemd-analyze verify`, and every file://
// Documentation= entry is a file the firmware bundle ships (image/firmware-bundle.ts BUNDLE_LAYOUT)
// at a path the install runbook (docs/operations.md) installs it to.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLE_LAYOUT } from '../../image/firmware-bundle.js';
import { unitSettings, words } from './systemd-unit.js';

const UNITS = ['image/systemd/floe.service', 'image/systemd/floe-ui.service'];
const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe.skipIf(!hasAnalyze)('floe.service hardening', () => {
  it('has an exposure level at or below 4.0 (systemd-analyze security --offline)', () => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', '--threshold=40', '--no-pager', 'image/systemd/floe.service'], { encoding: 'utf8' });
    const m = /Overall exposure level for floe\.service: (\d+\.\d)/.exec(r.stdout);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(4.0);
    expect(r.status, r.stderr).toBe(0); // --threshold=40: non-zero above 4.0
  });

  it('keeps MemoryDenyWriteExecute off (V8 JIT) and runs as a non-root user with one capability', () => {
    const s = unitSettings('image/systemd/floe.service');
    expect(s.get('MemoryDenyWriteExecute') ?? ['no']).toEqual(['no']);
    expect(s.get('DynamicUser')).toEqual(['yes']);
    expect(words(s, 'CapabilityBoundingSet')).toEqual(['CAP_DAC_READ_SEARCH']);
    expect(s.get('NoNewPrivileges')).toEqual(['yes']);
  });

  it.each(UNITS)('%s passes systemd-analyze verify (offline, with the binary path it names)', (unit) => {
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', unit], { encoding: 'utf8' });
    // Off the device the binary ExecStart names is absent; anything else is a real complaint.
    const complaints = `${r.stdout}${r.stderr}`
      .split('\n')
      .filter((l) => l.trim() !== '')
      .filter((l) => !/Command \/usr\/local\/bin\/floe is not executable: No such file or directory$/.test(l));
    expect(complaints).toEqual([]);
  });
});

describe('Documentation= of the units', () => {
  const shipped = new Map(BUNDLE_LAYOUT.map(([path, source]) => [path, source]));
  const runbook = readFileSync('docs/operations.md', 'utf8');
  it.each(UNITS)('%s names only files the firmware bundle ships and the runbook installs', (unit) => {
    const docs = words(unitSettings(unit, 'Unit'), 'Documentation');
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) {
      expect(doc, 'only file:// documentation is on the device').toMatch(/^file:\/\//);
      const installed = new URL(doc).pathname;
      const inBundle = [...shipped.keys()].find((p) => basename(p) === basename(installed));
      expect(inBundle, `${installed} is not in BUNDLE_LAYOUT`).toBeDefined();
      expect(runbook).toContain(`install -D -m 0644 ${inBundle} ${installed}`);
      expect(() => readFileSync(shipped.get(inBundle!)!)).not.toThrow();
    }
  });
});
