// The [Service] settings of a unit file in image/systemd/, parsed the way the sandbox test and the
// unit test need them: every assignment of a key, in order (systemd accumulates most list keys).
import { readFileSync } from 'node:fs';

export function unitSettings(path: string, section = 'Service'): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = header[1]!;
      continue;
    }
    if (current !== section) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return out;
}

/** All words of every assignment of `key` (e.g. ReadWritePaths, Documentation). */
export function words(settings: Map<string, string[]>, key: string): string[] {
  return (settings.get(key) ?? []).flatMap((v) => v.split(/\s+/)).filter((w) => w !== '');
}
