import { describe, expect, it } from 'vitest';
import { parseNfsUri } from './nfs-uri.js';

describe('NFS source URIs', () => {
  it('parses host, ports, ids and the path as exact bytes', () => {
    const u = parseNfsUri('nfs://10.0.0.5:2049/export/sub%FF/dir/?version=3&uid=1000&gid=100&nfsport=2049&mountport=20048');
    expect(u).toMatchObject({ host: '10.0.0.5', portmapperPort: 2049, nfsPort: 2049, mountPort: 20048, uid: 1000, gid: 100 });
    expect(u.path.equals(Buffer.concat([Buffer.from('/export/sub'), Buffer.from([0xff]), Buffer.from('/dir')]))).toBe(true);
  });

  it('defaults to portmapper port 111, uid 0 and gid 0, and accepts IPv6 literals', () => {
    expect(parseNfsUri('nfs://server/export')).toMatchObject({ host: 'server', portmapperPort: 111, nfsPort: undefined, mountPort: undefined, uid: 0, gid: 0 });
    expect(parseNfsUri('nfs://[::1]/export').host).toBe('::1');
  });

  it('rejects what it cannot honour with INVALID_ARGUMENT', () => {
    const bad: Array<[string, RegExp]> = [
      ['nfs://h/e?timeout=3', /unknown parameter 'timeout'/],
      ['nfs://h/e?version=4.1', /version must be 3, not '4\.1'/],
      ['nfs://h/e?uid=1e3', /uid must be a decimal number, not '1e3'/],
      ['nfs://h/e?uid=4294967296', /uid must be between 0 and 4294967295/],
      ['nfs://h/e?uid=1&uid=2', /given twice/],
      ['nfs://h/e?mountport=0', /mountport must be between 1 and 65535/],
      ['nfs://h/', /no export path/],
      ['nfs://h/e/%zz', /bad percent-escape/],
      ['smb://h/e', /scheme must be nfs:/],
      ['nfs://h/e#x', /fragment/],
      ['nothing', /not a URI/],
    ];
    for (const [uri, message] of bad) expect(() => parseNfsUri(uri), uri).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) }));
  });
});
