// A job's import destinations: `s3://bucket/prefix` with its S3 options, or a mounted file
// system `efs:///mnt/efs/path` / `fsx:///mnt/fsx/path` (ARCHITECTURE.md, "Destinations").
// The rules here are the station's early check; appliance/destinations parses the same URIs
// again when it opens them at the facility.
import { Problems, asObject, fieldPath, readBoolean, readEnum, readString, rejectUnknownFields, type JsonObject } from './spec-checks.js';

export const S3_STORAGE_CLASSES = [
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'GLACIER_IR',
] as const;
export type S3StorageClass = (typeof S3_STORAGE_CLASSES)[number];

export const SERVER_SIDE_ENCRYPTIONS = ['AES256', 'aws:kms', 'aws:kms:dsse'] as const;
export type ServerSideEncryptionSpec = (typeof SERVER_SIDE_ENCRYPTIONS)[number];

export const DESTINATION_URI_SCHEMES = ['s3', 'efs', 'fsx'] as const;
export type DestinationScheme = (typeof DESTINATION_URI_SCHEMES)[number];

export interface DestinationSpec {
  /** `s3://bucket[/prefix]`, `efs:///absolute/path` or `fsx:///absolute/path`. */
  readonly uri: string;
  /** S3 only: an S3-compatible endpoint (`http(s)://host[:port]`); AWS when absent. */
  readonly endpoint?: string;
  /** S3 only: an AWS region name such as `us-east-1`. */
  readonly region?: string;
  readonly storageClass?: S3StorageClass;
  readonly serverSideEncryption?: ServerSideEncryptionSpec;
  /** S3 only, with serverSideEncryption `aws:kms` or `aws:kms:dsse`. */
  readonly kmsKeyId?: string;
  /** S3 only: path-style addressing, which most S3-compatible servers need. */
  readonly forcePathStyle?: boolean;
  /** S3 only: also send Content-MD5 (buckets with Object Lock retention require it). */
  readonly contentMd5?: boolean;
}

export const MAX_DESTINATIONS = 10;

const S3_ONLY_FIELDS = ['endpoint', 'region', 'storageClass', 'serverSideEncryption', 'kmsKeyId', 'forcePathStyle', 'contentMd5'] as const;
const DESTINATION_FIELDS = ['uri', ...S3_ONLY_FIELDS] as const;

/**
 * Reads `destinations` (a required, non-empty array). An EXPORT job's `sources` have the same
 * grammar (what is copied onto the device at the facility): `noun` names them in messages.
 */
export function readDestinations(problems: Problems, spec: JsonObject, field = 'destinations', noun = 'destination'): DestinationSpec[] | undefined {
  const value = spec[field];
  if (value === undefined) {
    problems.add(field, `required: at least one ${noun} (s3://, efs:// or fsx://)`);
    return undefined;
  }
  if (!Array.isArray(value)) {
    problems.add(field, `expected an array, got ${value === null ? 'null' : typeof value}`);
    return undefined;
  }
  if (value.length === 0) {
    problems.add(field, `at least one ${noun} is required`);
    return undefined;
  }
  if (value.length > MAX_DESTINATIONS) {
    problems.add(field, `at most ${MAX_DESTINATIONS} ${noun}s, got ${value.length}`);
    return undefined;
  }
  const out: DestinationSpec[] = [];
  const seen = new Map<string, number>();
  value.forEach((item: unknown, i) => {
    const at = fieldPath(field, i);
    const destination = readDestination(problems, at, item, noun);
    if (destination === undefined) return;
    const key = destination.uri.replace(/\/+$/u, '');
    const first = seen.get(key);
    if (first !== undefined) problems.add(fieldPath(at, 'uri'), `same destination as ${fieldPath(field, first)}`);
    else seen.set(key, i);
    out.push(destination);
  });
  return out.length === value.length ? out : undefined;
}

function readDestination(problems: Problems, at: string, value: unknown, noun: string): DestinationSpec | undefined {
  const object = asObject(problems, at, value);
  if (object === undefined) return undefined;
  const before = problems.list.length;
  rejectUnknownFields(problems, at, object, DESTINATION_FIELDS, noun);
  const uri = readString(problems, object, at, 'uri', { required: true, maxLength: 2048 });
  const scheme = uri === undefined ? undefined : checkDestinationUri(problems, fieldPath(at, 'uri'), uri);
  if (scheme !== undefined && scheme !== 's3') {
    for (const key of S3_ONLY_FIELDS) {
      if (key in object) problems.add(fieldPath(at, key), `only for s3:// ${noun}s, not ${scheme}://`);
    }
  }
  const endpoint = readString(problems, object, at, 'endpoint', { maxLength: 2048 });
  if (endpoint !== undefined) checkEndpoint(problems, fieldPath(at, 'endpoint'), endpoint);
  const region = readString(problems, object, at, 'region', { maxLength: 64 });
  if (region !== undefined && !AWS_REGION.test(region)) {
    problems.add(fieldPath(at, 'region'), `"${region}" is not a valid AWS region name (like us-east-1 or eu-central-1)`);
  }
  const storageClass = readEnum(problems, object, at, 'storageClass', S3_STORAGE_CLASSES);
  const serverSideEncryption = readEnum(problems, object, at, 'serverSideEncryption', SERVER_SIDE_ENCRYPTIONS);
  const kmsKeyId = readString(problems, object, at, 'kmsKeyId', { maxLength: 2048 });
  const sseInvalid = object.serverSideEncryption !== undefined && serverSideEncryption === undefined;
  if (kmsKeyId !== undefined && !sseInvalid && serverSideEncryption !== 'aws:kms' && serverSideEncryption !== 'aws:kms:dsse') {
    problems.add(fieldPath(at, 'kmsKeyId'), 'needs serverSideEncryption aws:kms or aws:kms:dsse');
  }
  const forcePathStyle = readBoolean(problems, object, at, 'forcePathStyle');
  const contentMd5 = readBoolean(problems, object, at, 'contentMd5');
  if (problems.list.length !== before || uri === undefined) return undefined;
  return {
    uri,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(region === undefined ? {} : { region }),
    ...(storageClass === undefined ? {} : { storageClass }),
    ...(serverSideEncryption === undefined ? {} : { serverSideEncryption }),
    ...(kmsKeyId === undefined ? {} : { kmsKeyId }),
    ...(forcePathStyle === undefined ? {} : { forcePathStyle }),
    ...(contentMd5 === undefined ? {} : { contentMd5 }),
  };
}

// AWS region names: a two-letter area, one or more words, a number (us-east-1, us-gov-west-1).
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$/u;

/** Checks a destination URI and returns its scheme, or records a problem and returns undefined. */
export function checkDestinationUri(problems: Problems, field: string, uri: string): DestinationScheme | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/u.exec(uri)?.[1];
  const expected = 'expected s3://bucket/prefix, efs:///path or fsx:///path';
  if (scheme === undefined) {
    problems.add(field, `"${uri}" is not a URI: ${expected}`);
    return undefined;
  }
  if (!(DESTINATION_URI_SCHEMES as readonly string[]).includes(scheme)) {
    const hint = (DESTINATION_URI_SCHEMES as readonly string[]).includes(scheme.toLowerCase()) ? ` (write it in lowercase: ${scheme.toLowerCase()}://)` : `: ${expected}`;
    problems.add(field, `scheme "${scheme}" is not supported${hint}`);
    return undefined;
  }
  const problem = scheme === 's3' ? s3UriProblem(uri) : filesystemUriProblem(scheme, uri);
  if (problem !== undefined) {
    problems.add(field, problem);
    return undefined;
  }
  return scheme as DestinationScheme;
}

function s3UriProblem(uri: string): string | undefined {
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/su.exec(uri);
  if (match === null) return `expected s3://bucket/prefix, got "${uri}"`;
  const bucket = match[1]!;
  if (bucket === '') return 'missing bucket name (expected s3://bucket/prefix)';
  const bucketProblem = s3BucketNameProblem(bucket);
  if (bucketProblem !== undefined) return `bucket name "${bucket}" is not a valid S3 bucket name: ${bucketProblem}`;
  const prefix = (match[2] ?? '').replace(/\/$/u, '');
  if (prefix === '') return undefined;
  if (/[?#]/u.test(prefix)) return `key prefix "${prefix}" must not contain "?" or "#"`;
  if (prefix.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    return `key prefix "${prefix}" must not contain empty, "." or ".." parts`;
  }
  if (Buffer.byteLength(prefix, 'utf8') > 512) return 'key prefix must be at most 512 bytes, leaving room for object keys (1,024 bytes)';
  return undefined;
}

/**
 * AWS "General purpose bucket naming rules": 3-63 characters of a-z, 0-9, '.' and '-';
 * begins and ends with a letter or digit; no two adjacent periods; not an IP address;
 * reserved prefixes and suffixes are refused.
 */
export function s3BucketNameProblem(bucket: string): string | undefined {
  if (bucket.length < 3 || bucket.length > 63) return `must be 3 to 63 characters long, got ${bucket.length}`;
  if (!/^[a-z0-9.-]+$/u.test(bucket)) return 'only lowercase letters, digits, dots (.) and hyphens (-) are allowed';
  if (!/^[a-z0-9].*[a-z0-9]$/u.test(bucket)) return 'must begin and end with a letter or digit';
  if (bucket.includes('..')) return 'must not contain two adjacent periods';
  if (/^\d{1,3}(\.\d{1,3}){3}$/u.test(bucket)) return 'must not be formatted as an IP address';
  const prefix = ['xn--', 'sthree-', 'amzn-s3-demo-'].find((p) => bucket.startsWith(p));
  if (prefix !== undefined) return `must not begin with the reserved prefix "${prefix}"`;
  const suffix = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'].find((s) => bucket.endsWith(s));
  if (suffix !== undefined) return `must not end with the reserved suffix "${suffix}"`;
  return undefined;
}

function filesystemUriProblem(scheme: string, uri: string): string | undefined {
  const rest = uri.slice(scheme.length + 3);
  if (!uri.startsWith(`${scheme}://`) || !rest.startsWith('/')) {
    return `expected ${scheme}:///absolute/path (three slashes, no host), got "${uri}"`;
  }
  if (/[?#]/u.test(rest)) return 'path must not contain "?" or "#"';
  if (/%(?![0-9A-Fa-f]{2})/u.test(rest)) return 'path has a bad percent-encoding (use %XX with two hex digits)';
  if (/%00/u.test(rest)) return 'path must not contain a NUL byte';
  const path = rest.replace(/\/$/u, '');
  if (path === '') return 'path must not be the root directory';
  if (path.slice(1).split('/').some((part) => part === '' || part === '.' || part === '..')) {
    return `path "${rest}" must not contain empty, "." or ".." parts`;
  }
  return undefined;
}

function checkEndpoint(problems: Problems, field: string, endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    problems.add(field, `"${endpoint}" is not a valid URL (expected http://host:port or https://host)`);
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.add(field, `must be an http:// or https:// URL, got ${url.protocol}//`);
  else if (url.username !== '' || url.password !== '') problems.add(field, 'must not contain credentials (they never go into a job spec or a manifest)');
  else if (url.search !== '' || url.hash !== '') problems.add(field, 'must not contain a query or fragment');
  else if (url.pathname !== '/' && url.pathname !== '') problems.add(field, `must not contain a path, got "${url.pathname}"`);
}
