// The conformance suite on the NFS destination: an nfs-ganesha export written through floe's own
// NFSv3 client (the restore target nfs://host/export/path). Part files are counted in the
// export's folder, from outside the client.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe } from 'vitest';
import { openNfsDestination } from '../../appliance/destinations/nfs/nfs-destination.js';
import { ganeshaUnavailableReason, startGanesha } from '../harness/ganesha.js';
import { partFiles } from './conformance-helpers.js';
import { describeDestination } from './describe-destination.js';

const run = promisify(execFile);
const unavailable = ganeshaUnavailableReason();
if (unavailable !== undefined) describe.skip(`destination conformance: nfs:// (ganesha) [${unavailable}]`, () => undefined);
else
  describeDestination('nfs:// (ganesha)', {
    traits: {
      largeSize: 16 * 1024 * 1024 + 12_345,
      // A put that fails commits the WRITEs the server took: whole 1 MiB blocks (ganesha's wtpref is
      // larger); the block being filled when the content failed was not sent.
      resumeOffset: (_size, failedAfter) => Math.floor(failedAfter / (1 << 20)) * (1 << 20),
      acceptsNonUtf8Names: true,
      // The URI's uid is 0 and the export does not squash root.
      keepsOwnership: true,
      timePrecision: { ns: 1n },
      known: {
        'pre-1970-times': 'NFSv3 times are unsigned seconds since 1970 (nfstime3): an earlier time is held as 1970-01-01',
        'symlink-times': "ganesha's VFS answers SETATTR of a symlink's times with NFS3_OK and keeps the link's own",
      },
    },
    async start() {
      const base = await mkdtemp(join(tmpdir(), 'floe-nfs-dest-'));
      const exportDir = join(base, 'export');
      await mkdir(exportDir);
      const ganesha = await startGanesha({ exportDir, attrExpirationSeconds: 0 });
      let n = 0;
      return {
        async open() {
          const name = `t${++n}`;
          await mkdir(join(exportDir, name));
          return { destination: await openNfsDestination(ganesha.uri(name)), leftovers: () => partFiles(Buffer.from(join(exportDir, name))) };
        },
        async stop() {
          await ganesha.stop();
          // coreutils rm walks with openat: the longest-key case leaves a path over PATH_MAX on this disk.
          await run('rm', ['-rf', base]);
        },
      };
    },
  });
