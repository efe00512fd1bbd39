// SHA256SUMS, the list a firmware bundle is signed through: the format GNU `sha256sum` writes and
// `sha256sum -c` reads ("<64 hex>  <path>\n", text mode), so a technician can check an unpacked
// bundle with standard tools too.

export interface SumLine {
  readonly path: string;
  readonly sha256: string;
}

export function formatSha256Sums(lines: readonly SumLine[]): string {
  return lines.map((l) => `${l.sha256}  ${l.path}\n`).join('');
}

/** Parses SHA256SUMS strictly; returns a reason string instead of the lines when it is malformed. */
export function parseSha256Sums(text: string): SumLine[] | string {
  if (text.length === 0) return 'SHA256SUMS is empty';
  if (!text.endsWith('\n')) return 'SHA256SUMS does not end with a newline';
  const lines: SumLine[] = [];
  const seen = new Set<string>();
  for (const [i, line] of text.slice(0, -1).split('\n').entries()) {
    const m = /^([0-9a-f]{64}) {2}(\S(?:.*\S)?)$/.exec(line);
    if (!m) return `SHA256SUMS line ${i + 1} is malformed`;
    const path = m[2]!;
    if (!isSafeRelativePath(path)) return `SHA256SUMS line ${i + 1} names an unsafe path: ${JSON.stringify(path)}`;
    if (seen.has(path)) return `SHA256SUMS lists ${path} twice`;
    seen.add(path);
    lines.push({ path, sha256: m[1]! });
  }
  return lines;
}

/** A relative '/'-separated path with no empty, '.' or '..' component. */
export function isSafeRelativePath(path: string): boolean {
  return path.length > 0 && path.split('/').every((part) => part !== '' && part !== '.' && part !== '..') && !path.includes('\\');
}
