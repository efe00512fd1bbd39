// Canonical JSON for the manifest's authenticated configuration (docs/manifest-format.md, §3).
// A subset of RFC 8785 (JCS) that needs no number formatting rules: values are strings,
// safe integers, booleans, null, arrays and objects; object keys are sorted by UTF-16 code
// units; no whitespace. One value has exactly one encoding, so the bytes can be authenticated.

export type CanonicalValue = string | number | boolean | null | readonly CanonicalValue[] | { readonly [key: string]: CanonicalValue | undefined };

// With the u flag a surrogate pair is one code point, so this matches unpaired halves only.
const LONE_SURROGATE = /\p{Cs}/u;

/** Encodes `value` canonically. Object members whose value is `undefined` are left out. */
export function canonicalJson(value: CanonicalValue): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) throw new TypeError('canonical JSON strings must be well-formed UTF-16');
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`canonical JSON numbers must be safe integers, got ${value}`);
    return Object.is(value, -0) ? '0' : String(value);
  }
  if (Array.isArray(value)) return `[${value.map((v: CanonicalValue) => canonicalJson(v)).join(',')}]`;
  const record = value as { readonly [key: string]: CanonicalValue | undefined };
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined) continue;
    members.push(`${canonicalJson(key)}:${canonicalJson(member)}`);
  }
  return `{${members.join(',')}}`;
}

export function canonicalJsonBytes(value: CanonicalValue): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}
