// For the S3 source tests: one Ceph RGW per test file, and a local tree put into a bucket the way
// floe puts it there: ingested into a journal from the local folder, then imported with floe's S3
// destination (its keys, its `key/` folder objects, its symlink objects, its POSIX metadata).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { S3Destination } from '../../appliance/destinations/s3/s3-destination.js';
import type { FileEntry } from '../../appliance/journal/file-entry.js';
import { Journal } from '../../appliance/journal/journal.js';
import { openLocalSource } from '../../appliance/sources/local/local-source.js';
import type { S3SourceOptions } from '../../appliance/sources/s3/s3-source.js';
import { DeliveryLedger } from '../../appliance/transfer/delivery-ledger.js';
import { TransferEngine, type TransferResult } from '../../appliance/transfer/transfer-engine.js';
import { startRgw, type RgwServer } from '../harness/rgw.js';
import type { S3Server } from '../harness/s3-admin.js';
import { ingestOnce, type RunOutcome } from '../ingest/ingest-fixtures.js';
import { tempDir, testKeys } from '../journal/journal-fixtures.js';

let shared: Promise<RgwServer> | undefined;

/** The test file's RGW, started on first use; stop it with stopSharedRgw in an afterAll. */
export function sharedRgw(): Promise<RgwServer> {
  shared ??= startRgw();
  return shared;
}

export async function stopSharedRgw(): Promise<void> {
  const server = await shared?.catch(() => undefined);
  shared = undefined;
  await server?.stop();
}

/** Connection options for an S3 source on the test server (credentials as the daemon would hold them). */
export function s3SourceOptions(server: S3Server, extra: Omit<S3SourceOptions, 'endpoint' | 'credentials'> = {}): S3SourceOptions {
  return {
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    ...extra,
  };
}

export interface ImportedTree {
  readonly ingest: RunOutcome;
  readonly imported: TransferResult;
  /** The journal's entries as the local ingest recorded them (what the import wrote). */
  readonly entries: FileEntry[];
}

/**
 * Ingests the folder `root` into a fresh journal under `journalFolder` (so the folder itself is an
 * entry, and becomes the `journalFolder/` object), then imports the journal into `s3://bucket`.
 */
export async function importTree(server: S3Server, root: string, bucket: string, journalFolder: string): Promise<ImportedTree> {
  const t = await tempDir('floe-s3-source-journal-');
  const journal = await Journal.create(join(t.dir, 'journal'), testKeys().ring());
  try {
    const local = await openLocalSource(pathToFileURL(root).href);
    let ingest: RunOutcome;
    try {
      ingest = await ingestOnce(local, journal, { PreserveDevices: 'PRESERVE', VerifyMode: 'NONE' }, { destinationPath: journalFolder });
    } finally {
      await local.close();
    }
    const destination = await S3Destination.open(`s3://${bucket}`, {
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    try {
      const ledger = await DeliveryLedger.open(journal);
      const engine = new TransferEngine({ journal, ledger, destination, executionId: `exec-${journalFolder}`, transfer: 'import', options: { VerifyMode: 'NONE' } });
      const imported = await engine.run();
      const entries: FileEntry[] = [];
      for await (const entry of journal.files()) entries.push(entry);
      return { ingest, imported, entries };
    } finally {
      await destination.close();
    }
  } finally {
    await journal.close();
    await t.cleanup();
  }
}
