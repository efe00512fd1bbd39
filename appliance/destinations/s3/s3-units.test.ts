// Pure functions of the S3 destination: URI parsing, part sizes, metadata, error mapping.
import { describe, expect, it } from 'vitest';
import { formatMode, parseTimeNs, posixMetadata, typeFromPermissions } from '../posix-metadata.js';
import { mapS3Error } from './s3-errors.js';
import { choosePartSize, partCountFor } from './s3-multipart.js';
import { createS3Client, MAX_PARTS, MIB, parseS3Uri, validateOptions } from './s3-options.js';

const GIB = 1024 * MIB;

describe('S3 units', () => {
  it('gives the SDK a logger without info and error, so no call builds a log record to throw away', () => {
    const client = createS3Client({ endpoint: 'http://127.0.0.1:1' });
    const logger = client.config.logger as unknown as Record<string, unknown>;
    expect(typeof logger.debug).toBe('function');
    expect(logger.info).toBeUndefined();
    expect(logger.error).toBeUndefined();
    client.destroy();
  });

  it('refuses an idle timeout that is not a positive whole number of milliseconds', () => {
    for (const idleTimeoutMs of [0, -1, 1.5, Number.NaN]) {
      expect(() => validateOptions({ idleTimeoutMs })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: 'idleTimeoutMs must be a positive integer (milliseconds)' }));
    }
    expect(() => validateOptions({ idleTimeoutMs: 1 })).not.toThrow();
  });

  it('parses s3:// URIs', () => {
    expect(parseS3Uri('s3://bucket')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(parseS3Uri('s3://my.bucket-1/a/b/')).toEqual({ bucket: 'my.bucket-1', prefix: 'a/b' });
    for (const bad of ['s3://', 's3://B/x', 'http://bucket/x', 's3://ab', 's3://bucket/a//b']) {
      expect(() => parseS3Uri(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });

  it('chooses part sizes of at least 5 MiB that keep every size under 10,000 parts', () => {
    expect(choosePartSize(0, 1)).toBe(5 * MIB);
    expect(choosePartSize(100 * MIB)).toBe(8 * MIB);
    expect(choosePartSize(100 * GIB)).toBe(11 * MIB); // 100 GiB / 10,000 = 10.24 MiB, rounded up to whole MiB
    for (const size of [80 * GIB, 80 * GIB + 1, 1024 * GIB, 5 * 1024 * GIB]) {
      expect(partCountFor(size, choosePartSize(size))).toBeLessThanOrEqual(MAX_PARTS);
    }
    expect(() => choosePartSize(5 * 1024 * GIB + 1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('writes DataSync/FSx metadata: octal st_mode with type bits, ns times', () => {
    expect(posixMetadata({ type: 'file', mode: 0o4755, uid: 0, gid: 65534, mtimeNs: 1n, atimeNs: -5n })).toEqual({
      'file-permissions': '0104755',
      'file-owner': '0',
      'file-group': '65534',
      'file-mtime': '1ns',
      'file-atime': '-5ns',
    });
    expect(formatMode(0o040755)).toBe('040755');
    expect(typeFromPermissions('0120777')).toBe('symlink');
    expect(typeFromPermissions('040755')).toBe('directory');
    expect(parseTimeNs('1700000000123456789ns')).toBe(1_700_000_000_123_456_789n);
    expect(parseTimeNs('17')).toBeUndefined();
  });

  it('maps S3 and network errors to destination codes', () => {
    const sdk = (name: string, status?: number) => Object.assign(new Error(name), { name, $metadata: status === undefined ? {} : { httpStatusCode: status } });
    const context = { operation: 'PutObject', bucket: 'b', key: 'k' };
    const cases: [unknown, string][] = [
      [sdk('SlowDown', 503), 'DESTINATION_THROTTLED'],
      [sdk('ServiceUnavailable', 503), 'DESTINATION_THROTTLED'],
      [sdk('ThrottlingException', 400), 'DESTINATION_THROTTLED'],
      [sdk('InternalError', 500), 'DESTINATION_IO'],
      [sdk('AccessDenied', 403), 'DESTINATION_ACCESS_DENIED'],
      [sdk('InvalidAccessKeyId', 403), 'DESTINATION_ACCESS_DENIED'],
      [sdk('SignatureDoesNotMatch', 403), 'DESTINATION_ACCESS_DENIED'],
      [sdk('NoSuchBucket', 404), 'DESTINATION_UNREACHABLE'],
      [sdk('KeyTooLongError', 400), 'DESTINATION_NAME_INVALID'],
      [sdk('NotImplemented', 501), 'INVALID_ARGUMENT'],
      [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'DESTINATION_UNREACHABLE'],
      [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'DESTINATION_UNREACHABLE'],
      [sdk('TimeoutError'), 'DESTINATION_UNREACHABLE'],
    ];
    for (const [err, code] of cases) expect({ err: String(err), code: mapS3Error(err, context).code }).toEqual({ err: String(err), code });
    const aborted = AbortSignal.abort();
    expect(mapS3Error(sdk('AbortError'), { ...context, signal: aborted }).code).toBe('CANCELLED');
    expect(mapS3Error(sdk('NoSuchBucket', 404), context).message).toContain('bucket "b" does not exist');
  });
});
