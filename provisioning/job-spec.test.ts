import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FloeError } from '../appliance/errors.js';
import { jobSpecProblems, parseJobSpec, type JobSpec } from './job-spec.js';

const example = JSON.parse(readFileSync(new URL('./examples/job.json', import.meta.url), 'utf8')) as Record<string, unknown>;

function spec(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...structuredClone(example), ...patch };
}
function withDestination(destination: Record<string, unknown>): Record<string, unknown> {
  return spec({ destinations: [destination] });
}
function withAddress(patch: Record<string, unknown>): Record<string, unknown> {
  return spec({ returnAddress: { ...(example.returnAddress as object), ...patch } });
}
function without(key: string): Record<string, unknown> {
  const s = spec();
  delete s[key];
  return s;
}

function rejection(input: unknown): FloeError {
  try {
    parseJobSpec(input);
  } catch (err) {
    if (err instanceof FloeError) return err;
    throw err;
  }
  throw new Error('the job spec was accepted');
}

describe('parseJobSpec', () => {
  it('accepts the committed example and returns exactly its fields', () => {
    const parsed: JobSpec = parseJobSpec(spec());
    expect(parsed).toEqual(example);
    expect(parsed.destinations.map((d) => d.uri)).toEqual(['s3://floe-demo/imports', 'efs:///mnt/efs/floe-demo']);
  });

  it('accepts the smallest valid spec', () => {
    const minimal = {
      jobType: 'IMPORT',
      deviceType: 'SNC1_HDD',
      destinations: [{ uri: 'fsx:///mnt/fsx/in' }],
      returnAddress: { name: 'A', street1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' },
    };
    expect(parseJobSpec(minimal)).toEqual(minimal);
  });

  // Each bad spec has exactly one problem: the error names that field and says what is wrong.
  const cases: Array<[string, unknown, string, string]> = [
    ['not an object', [], '', 'a job spec must be a JSON object, got array'],
    ['missing destinations', without('destinations'), 'destinations', 'destinations: required: at least one destination (s3://, efs:// or fsx://)'],
    ['empty destinations', spec({ destinations: [] }), 'destinations', 'destinations: at least one destination is required'],
    ['destinations not an array', spec({ destinations: { uri: 's3://abc' } }), 'destinations', 'destinations: expected an array, got object'],
    ['unknown field', spec({ unknownField: 1 }), 'unknownField', 'unknownField: not a job spec field'],
    ['misspelled field', spec({ deviceTyp: 'x' }), 'deviceTyp', 'deviceTyp: not a job spec field'],
    ['wrong type', spec({ capacityBytes: '100' }), 'capacityBytes', 'capacityBytes: expected an integer, got string'],
    ['fractional capacity', spec({ capacityBytes: 1.5 }), 'capacityBytes', 'capacityBytes: expected an integer, got 1.5'],
    ['capacity above device', spec({ capacityBytes: 15_000_000_000_000 }), 'capacityBytes', 'capacityBytes: 15000000000000 exceeds the SNC1_SSD capacity of 14000000000000 bytes'],
    ['LOCAL_USE job', spec({ jobType: 'LOCAL_USE' }), 'jobType', 'jobType: LOCAL_USE jobs are not supported by floe (only IMPORT and EXPORT)'],
    ['unknown job type', spec({ jobType: 'COPY' }), 'jobType', 'jobType: expected one of IMPORT, EXPORT, got "COPY"'],
    ['job type not a string', spec({ jobType: 1 }), 'jobType', 'jobType: expected a string, got number'],
    ['sources on an IMPORT job', spec({ sources: [{ uri: 's3://abc' }] }), 'sources', 'sources: only for EXPORT jobs: an IMPORT job ingests the shares its tasks name on site'],
    ['bad device type', spec({ deviceType: 'SNC2' }), 'deviceType', 'deviceType: expected one of SNC1_HDD, SNC1_SSD, got "SNC2"'],
    ['bad URI scheme', withDestination({ uri: 'ftp://host/x' }), 'destinations[0].uri', 'destinations[0].uri: scheme "ftp" is not supported: expected s3://bucket/prefix, efs:///path or fsx:///path'],
    ['uppercase scheme', withDestination({ uri: 'S3://bucket' }), 'destinations[0].uri', 'destinations[0].uri: scheme "S3" is not supported (write it in lowercase: s3://)'],
    ['not a URI', withDestination({ uri: '/mnt/efs' }), 'destinations[0].uri', 'destinations[0].uri: "/mnt/efs" is not a URI: expected s3://bucket/prefix, efs:///path or fsx:///path'],
    ['bad bucket', withDestination({ uri: 's3://A_B/x' }), 'destinations[0].uri', 'destinations[0].uri: bucket name "A_B" is not a valid S3 bucket name: only lowercase letters, digits, dots (.) and hyphens (-) are allowed'],
    ['short bucket', withDestination({ uri: 's3://ab' }), 'destinations[0].uri', 'destinations[0].uri: bucket name "ab" is not a valid S3 bucket name: must be 3 to 63 characters long, got 2'],
    ['bucket edge', withDestination({ uri: 's3://-abc' }), 'destinations[0].uri', 'destinations[0].uri: bucket name "-abc" is not a valid S3 bucket name: must begin and end with a letter or digit'],
    ['bucket periods', withDestination({ uri: 's3://a..b' }), 'destinations[0].uri', 'destinations[0].uri: bucket name "a..b" is not a valid S3 bucket name: must not contain two adjacent periods'],
    ['bucket IP', withDestination({ uri: 's3://192.168.5.4' }), 'destinations[0].uri', 'destinations[0].uri: bucket name "192.168.5.4" is not a valid S3 bucket name: must not be formatted as an IP address'],
    ['bucket prefix', withDestination({ uri: 's3://xn--abc' }), 'destinations[0].uri', 'destinations[0].uri: bucket name "xn--abc" is not a valid S3 bucket name: must not begin with the reserved prefix "xn--"'],
    ['bucket suffix', withDestination({ uri: 's3://abc-s3alias' }), 'destinations[0].uri', 'destinations[0].uri: bucket name "abc-s3alias" is not a valid S3 bucket name: must not end with the reserved suffix "-s3alias"'],
    ['missing bucket', withDestination({ uri: 's3:///x' }), 'destinations[0].uri', 'destinations[0].uri: missing bucket name (expected s3://bucket/prefix)'],
    ['bad prefix', withDestination({ uri: 's3://bucket/a/../b' }), 'destinations[0].uri', 'destinations[0].uri: key prefix "a/../b" must not contain empty, "." or ".." parts'],
    ['efs with host', withDestination({ uri: 'efs://host/mnt/efs' }), 'destinations[0].uri', 'destinations[0].uri: expected efs:///absolute/path (three slashes, no host), got "efs://host/mnt/efs"'],
    ['efs root', withDestination({ uri: 'efs:///' }), 'destinations[0].uri', 'destinations[0].uri: path must not be the root directory'],
    ['fsx dot-dot', withDestination({ uri: 'fsx:///mnt/../etc' }), 'destinations[0].uri', 'destinations[0].uri: path "/mnt/../etc" must not contain empty, "." or ".." parts'],
    ['missing uri', withDestination({ region: 'us-east-1' }), 'destinations[0].uri', 'destinations[0].uri: required'],
    ['uri type', withDestination({ uri: 5 }), 'destinations[0].uri', 'destinations[0].uri: expected a string, got number'],
    ['destination not object', spec({ destinations: ['s3://bucket'] }), 'destinations[0]', 'destinations[0]: expected an object, got string'],
    ['unknown destination field', withDestination({ uri: 's3://bucket', bucket: 'x' }), 'destinations[0].bucket', 'destinations[0].bucket: not a destination field'],
    ['endpoint syntax', withDestination({ uri: 's3://bucket', endpoint: 'not a url' }), 'destinations[0].endpoint', 'destinations[0].endpoint: "not a url" is not a valid URL (expected http://host:port or https://host)'],
    ['endpoint scheme', withDestination({ uri: 's3://bucket', endpoint: 'ftp://h' }), 'destinations[0].endpoint', 'destinations[0].endpoint: must be an http:// or https:// URL, got ftp://'],
    ['endpoint credentials', withDestination({ uri: 's3://bucket', endpoint: 'http://k:s@h:7480' }), 'destinations[0].endpoint', 'destinations[0].endpoint: must not contain credentials (they never go into a job spec or a manifest)'],
    ['endpoint path', withDestination({ uri: 's3://bucket', endpoint: 'http://h/x' }), 'destinations[0].endpoint', 'destinations[0].endpoint: must not contain a path, got "/x"'],
    ['region syntax', withDestination({ uri: 's3://bucket', region: 'US-EAST-1' }), 'destinations[0].region', 'destinations[0].region: "US-EAST-1" is not a valid AWS region name (like us-east-1 or eu-central-1)'],
    ['storage class', withDestination({ uri: 's3://bucket', storageClass: 'COLD' }), 'destinations[0].storageClass', 'destinations[0].storageClass: expected one of STANDARD, REDUCED_REDUNDANCY, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER, DEEP_ARCHIVE, GLACIER_IR, got "COLD"'],
    ['forcePathStyle type', withDestination({ uri: 's3://bucket', forcePathStyle: 'yes' }), 'destinations[0].forcePathStyle', 'destinations[0].forcePathStyle: expected a boolean, got string'],
    ['contentMd5 type', withDestination({ uri: 's3://bucket', contentMd5: 1 }), 'destinations[0].contentMd5', 'destinations[0].contentMd5: expected a boolean, got number'],
    ['contentMd5 on fsx', withDestination({ uri: 'fsx:///mnt/fsx/x', contentMd5: true }), 'destinations[0].contentMd5', 'destinations[0].contentMd5: only for s3:// destinations, not fsx://'],
    ['kms key without kms', withDestination({ uri: 's3://bucket', serverSideEncryption: 'AES256', kmsKeyId: 'k' }), 'destinations[0].kmsKeyId', 'destinations[0].kmsKeyId: needs serverSideEncryption aws:kms or aws:kms:dsse'],
    ['S3 option on efs', withDestination({ uri: 'efs:///mnt/efs/x', region: 'us-east-1' }), 'destinations[0].region', 'destinations[0].region: only for s3:// destinations, not efs://'],
    ['duplicate destination', spec({ destinations: [{ uri: 's3://bucket/p' }, { uri: 's3://bucket/p/' }] }), 'destinations[1].uri', 'destinations[1].uri: same destination as destinations[0]'],
    ['missing return address', without('returnAddress'), 'returnAddress', 'returnAddress: required: where the device goes back to (name, street1, city, postalCode, country)'],
    ['missing city', withAddress({ city: undefined }), 'returnAddress.city', 'returnAddress.city: required'],
    ['empty name', withAddress({ name: '  ' }), 'returnAddress.name', 'returnAddress.name: must not be empty'],
    ['control character', withAddress({ street1: 'a\nb' }), 'returnAddress.street1', 'returnAddress.street1: must not contain control characters'],
    ['unknown country', withAddress({ country: 'XX' }), 'returnAddress.country', 'returnAddress.country: "XX" is not an ISO 3166-1 alpha-2 country code (like US, DE, JP)'],
    ['lowercase country', withAddress({ country: 'de' }), 'returnAddress.country', 'returnAddress.country: "de": write ISO 3166-1 alpha-2 codes in uppercase ("DE")'],
    ['UK', withAddress({ country: 'UK' }), 'returnAddress.country', 'returnAddress.country: "UK" is not an ISO 3166-1 alpha-2 code; the United Kingdom is "GB"'],
    ['US without state', withAddress({ stateOrProvince: undefined }), 'returnAddress.stateOrProvince', 'returnAddress.stateOrProvince: required for a US address'],
    ['bad phone', withAddress({ phone: 'call me' }), 'returnAddress.phone', 'returnAddress.phone: "call me" is not a phone number (digits, spaces, ( ) . - and a leading +)'],
    ['unknown address field', withAddress({ zip: '1' }), 'returnAddress.zip', 'returnAddress.zip: not a return address field'],
    ['bad SNS ARN', spec({ notification: { snsTopicArn: 'topic' } }), 'notification.snsTopicArn', 'notification.snsTopicArn: "topic" is not an SNS topic ARN (arn:aws:sns:us-east-1:123456789012:topic)'],
    ['bad job state', spec({ notification: { snsTopicArn: 'arn:aws:sns:us-east-1:123456789012:t', jobStatesToNotify: ['Done'] } }), 'notification.jobStatesToNotify[0]', 'notification.jobStatesToNotify[0]: expected one of New, PreparingAppliance, PreparingShipment, InTransitToCustomer, WithCustomer, InTransitToAWS, WithAWSSortingFacility, WithAWS, InProgress, Complete, Cancelled, got "Done"'],
  ];

  it.each(cases)('%s', (_name, input, field, message) => {
    const err = rejection(input);
    expect(err.code).toBe('JOB_SPEC_INVALID');
    expect(err.message).toBe(message);
    expect(err.details).toEqual({ field, problems: [{ field, message: field === '' ? message : message.slice(field.length + 2) }] });
  });

  it('suggests the known field a misspelling stands for', () => {
    const err = rejection({ ...without('destinations'), destination: [] });
    expect(err.details?.problems).toEqual([
      { field: 'destination', message: 'not a job spec field (did you mean "destinations"?)' },
      { field: 'destinations', message: 'required: at least one destination (s3://, efs:// or fsx://)' },
    ]);
    expect(err.message).toBe('destination: not a job spec field (did you mean "destinations"?) (and 1 more problem)');
  });

  it('collects every problem and puts the first in the message', () => {
    const input = spec({ jobType: 'LOCAL_USE', capacityBytes: 'x', destinations: [{ uri: 's3://A_B' }, { uri: 'nfs://h/x' }] });
    const problems = jobSpecProblems(input);
    expect(problems.map((p) => p.field)).toEqual(['jobType', 'capacityBytes', 'destinations[0].uri', 'destinations[1].uri']);
    const err = rejection(input);
    expect(err.message).toBe('jobType: LOCAL_USE jobs are not supported by floe (only IMPORT and EXPORT) (and 3 more problems)');
    expect((err.details?.problems as unknown[]).length).toBe(4);
  });

  it('accepts every S3 option on an s3 destination', () => {
    const destination = {
      uri: 's3://my.bucket-1/a/b/',
      endpoint: 'https://s3.example.com:8443',
      region: 'us-gov-west-1',
      storageClass: 'DEEP_ARCHIVE',
      serverSideEncryption: 'aws:kms',
      kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/abc',
      forcePathStyle: false,
      contentMd5: true,
    };
    expect(parseJobSpec(withDestination(destination)).destinations).toEqual([destination]);
  });
});
