import { describe, expect, it } from 'vitest';
import { parseS3SourceUri } from './s3-source-uri.js';

describe('parseS3SourceUri', () => {
  it('takes bucket, prefix, endpoint, region and forcePathStyle', () => {
    expect(parseS3SourceUri('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' });
    expect(parseS3SourceUri('s3://my-bucket/a/b/')).toEqual({ bucket: 'my-bucket', prefix: 'a/b' });
    expect(parseS3SourceUri('s3://my-bucket/a?endpoint=http://127.0.0.1:7480&region=eu-west-1&forcePathStyle=false')).toEqual({
      bucket: 'my-bucket',
      prefix: 'a',
      endpoint: 'http://127.0.0.1:7480',
      region: 'eu-west-1',
      forcePathStyle: false,
    });
  });

  it('refuses credentials anywhere in the URI without repeating them', () => {
    for (const uri of ['s3://KEY:hunter2@bucket', 's3://bucket?secretAccessKey=hunter2', 's3://bucket?sessionToken=hunter2', 's3://bucket?endpoint=http://u:hunter2@host']) {
      let message = '';
      expect(() => {
        try {
          parseS3SourceUri(uri);
        } catch (err) {
          message = (err as Error).message;
          throw err;
        }
      }).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      expect(message).toMatch(/credentials/);
      expect(message).not.toContain('hunter2');
    }
  });

  it('refuses unknown or repeated parameters, bad endpoints, regions and bucket names', () => {
    for (const [uri, text] of [
      ['s3://bucket?colour=blue', "unknown parameter 'colour'"],
      ['s3://bucket?region=us-east-1&region=us-east-2', "parameter 'region' given twice"],
      ['s3://bucket?endpoint=ftp://host', 'endpoint must be http:// or https://'],
      ['s3://bucket?endpoint=nonsense', "endpoint 'nonsense' is not a URL"],
      ['s3://bucket?region=Not_A_Region', "region 'Not_A_Region'"],
      ['s3://bucket?forcePathStyle=yes', 'forcePathStyle must be true or false'],
      ['s3://bucket#frag', 'fragment'],
      ['s3://B', 'invalid bucket name'],
      ['s3://bucket/a/../b', 'invalid key prefix'],
    ] as const) {
      expect(() => parseS3SourceUri(uri), uri).toThrow(text);
    }
  });
});
