// Small readers for validating untyped JSON with one problem per field (STYLE.md: "the checker
// collects every problem instead of stopping at the first"). Each reader records a problem and
// returns undefined when the value is missing or wrong, so validation goes on.

export interface SpecProblem {
  /** Path of the field, e.g. `destinations[0].uri`; `''` for the document itself. */
  readonly field: string;
  readonly message: string;
}

export class Problems {
  readonly list: SpecProblem[] = [];

  add(field: string, message: string): void {
    this.list.push({ field, message });
  }

  get empty(): boolean {
    return this.list.length === 0;
  }
}

export function formatProblem(problem: SpecProblem): string {
  return problem.field === '' ? problem.message : `${problem.field}: ${problem.message}`;
}

export function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** The JSON type of a value as a user sees it: string, number, boolean, null, array or object. */
export function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads an object; records `expected an object, got <type>` otherwise. */
export function asObject(problems: Problems, field: string, value: unknown): JsonObject | undefined {
  if (isJsonObject(value)) return value;
  problems.add(field, `expected an object, got ${jsonTypeName(value)}`);
  return undefined;
}

/**
 * Records one problem per member not in `known`, naming it as "not a <what> field" and
 * suggesting a known name when the member looks like a misspelling of one.
 */
export function rejectUnknownFields(problems: Problems, field: string, object: JsonObject, known: readonly string[], what: string): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const suggestion = known.find((k) => !(k in object) && looksLike(key, k));
    problems.add(fieldPath(field, key), `not a ${what} field${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}`);
  }
}

export interface StringRule {
  readonly required?: boolean;
  readonly maxLength?: number;
}

// C0 controls and DEL: they have no place on a shipping label or in a path given as text.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/u;

export function readString(problems: Problems, object: JsonObject, parent: string, key: string, rule: StringRule = {}): string | undefined {
  const field = fieldPath(parent, key);
  const value = object[key];
  if (value === undefined) {
    if (rule.required === true) problems.add(field, 'required');
    return undefined;
  }
  if (typeof value !== 'string') {
    problems.add(field, `expected a string, got ${jsonTypeName(value)}`);
    return undefined;
  }
  if (value.trim() === '') {
    problems.add(field, 'must not be empty');
    return undefined;
  }
  if (CONTROL.test(value)) {
    problems.add(field, 'must not contain control characters');
    return undefined;
  }
  const max = rule.maxLength ?? 256;
  if (value.length > max) {
    problems.add(field, `must be at most ${max} characters, got ${value.length}`);
    return undefined;
  }
  return value;
}

export function readInteger(problems: Problems, object: JsonObject, parent: string, key: string, rule: { required?: boolean; min?: number } = {}): number | undefined {
  const field = fieldPath(parent, key);
  const value = object[key];
  if (value === undefined) {
    if (rule.required === true) problems.add(field, 'required');
    return undefined;
  }
  if (typeof value !== 'number') {
    problems.add(field, `expected an integer, got ${jsonTypeName(value)}`);
    return undefined;
  }
  if (!Number.isSafeInteger(value)) {
    problems.add(field, `expected an integer, got ${value}`);
    return undefined;
  }
  if (rule.min !== undefined && value < rule.min) {
    problems.add(field, `must be at least ${rule.min}, got ${value}`);
    return undefined;
  }
  return value;
}

export function readBoolean(problems: Problems, object: JsonObject, parent: string, key: string): boolean | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') {
    problems.add(fieldPath(parent, key), `expected a boolean, got ${jsonTypeName(value)}`);
    return undefined;
  }
  return value;
}

export function readEnum<T extends string>(
  problems: Problems,
  object: JsonObject,
  parent: string,
  key: string,
  values: readonly T[],
  rule: { required?: boolean } = {},
): T | undefined {
  const field = fieldPath(parent, key);
  const value = object[key];
  if (value === undefined) {
    if (rule.required === true) problems.add(field, `required (one of ${values.join(', ')})`);
    return undefined;
  }
  if (typeof value !== 'string') {
    problems.add(field, `expected a string, got ${jsonTypeName(value)}`);
    return undefined;
  }
  if (!(values as readonly string[]).includes(value)) {
    problems.add(field, `expected one of ${values.join(', ')}, got "${value}"`);
    return undefined;
  }
  return value as T;
}

/** Case-insensitive equality or an edit distance of at most 2: a likely misspelling. */
function looksLike(a: string, b: string): boolean {
  if (a.toLowerCase() === b.toLowerCase()) return true;
  return Math.abs(a.length - b.length) <= 2 && editDistance(a.toLowerCase(), b.toLowerCase()) <= 2;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
