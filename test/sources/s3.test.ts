// The S3 source against a real Ceph RGW (TOOLCHAIN.md, "A real S3"): the conformance suite over a
// tree floe itself put into the bucket (ingest, then import with the S3 destination).
import { afterAll } from 'vitest';
import { openSource } from '../../appliance/sources/open-source.js';
import { describeSource } from './describe-source.js';
import { importTree, s3SourceOptions, sharedRgw, stopSharedRgw } from './s3-fixture.js';

afterAll(stopSharedRgw);

describeSource(
  's3 (Ceph RGW)',
  async (exportDir) => {
    const server = await sharedRgw();
    await server.createBucket('conformance');
    await importTree(server, exportDir, 'conformance', 'tree');
    // Small parts, so the suite's 3 MiB file is read by several ranged GETs.
    const source = await openSource('s3://conformance/tree', { s3: s3SourceOptions(server, { partSize: 1024 * 1024 }) });
    return { source, fsId: 'opaque', close: () => source.close() };
  },
  {
    lacks: {
      hardLinks: 'each name of a hard-linked file is an object of its own (as DataSync writes them)',
      inodeNumbers: 'an object has no inode; fileId is a hash of its key and ETag',
      ctime: 'S3 keeps no change time; ctime is the object\'s Last-Modified',
      nonUtf8Names: 'S3 keys are UTF-8: the import refuses the non-UTF-8 name',
    },
  },
);
