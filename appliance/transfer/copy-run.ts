// An agentless copy (DataSync's AWS <-> AWS transfer with no agent; docs/copy.md): a task whose
// source is S3 or a mounted file system and whose destination is S3, EFS or FSx runs through the
// transfer engine with no journal between for the data. The catalog is a walk of the source
// (source-catalog.ts), the content is read from the source and hashed as it is sent
// (source-content.ts). The journal still holds the copy's records (deliveries, failures, the
// execution's start and end: delivery-ledger.ts), never its data.
import { openDestinationSpec, type DestinationSpec, type S3Defaults } from './destination-config.js';
import type { Destination } from '../destinations/destination.js';
import { FloeError } from '../errors.js';
import { displayPath } from '../journal/file-entry.js';
import type { Journal } from '../journal/journal.js';
import { parseS3SourceUri } from '../sources/s3/s3-source-uri.js';
import type { Source } from '../sources/source.js';
import { createExecutionCounters, type ExecutionCounters } from '../tasks/execution-status.js';
import type { PathFilter } from '../tasks/filters.js';
import type { TaskOptions } from '../tasks/options.js';
import type { Throttle } from '../tasks/throttle.js';
import { DeliveryLedger } from './delivery-ledger.js';
import { destinationId } from './import-service.js';
import { sourceCatalog } from './source-catalog.js';
import { SourceContent } from './source-content.js';
import { TransferEngine, type FileOutcome, type TransferResult } from './transfer-engine.js';

const DESTINATION_SCHEMES = ['s3', 'efs', 'fsx', 'file'];

/**
 * A task's DestinationLocationUri as a destination spec: `s3://bucket[/prefix][?endpoint=&region=&forcePathStyle=]`
 * (the S3 source's syntax; credentials refused, never echoed) or `efs:///path`, `fsx:///path`, `file:///path`.
 */
export function parseCopyDestination(uri: string): DestinationSpec {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/u.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined || !DESTINATION_SCHEMES.includes(scheme)) {
    throw new FloeError('INVALID_ARGUMENT', `unsupported DestinationLocationUri '${uri}': expected s3://bucket[/prefix], efs:///path, fsx:///path or file:///path`, {
      details: { field: 'DestinationLocationUri' },
    });
  }
  if (scheme !== 's3') {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new FloeError('INVALID_ARGUMENT', `invalid DestinationLocationUri '${uri}': expected ${scheme}:///absolute/path`, { details: { field: 'DestinationLocationUri' } });
    }
    if (url.host !== '' || url.pathname === '' || url.search !== '') {
      throw new FloeError('INVALID_ARGUMENT', `invalid DestinationLocationUri '${uri}': expected ${scheme}:///absolute/path`, { details: { field: 'DestinationLocationUri' } });
    }
    return { uri };
  }
  const parsed = parseS3SourceUri(uri);
  return {
    uri: parsed.prefix === '' ? `s3://${parsed.bucket}` : `s3://${parsed.bucket}/${parsed.prefix}`,
    ...(parsed.endpoint === undefined ? {} : { endpoint: parsed.endpoint }),
    ...(parsed.region === undefined ? {} : { region: parsed.region }),
    ...(parsed.forcePathStyle === undefined ? {} : { forcePathStyle: parsed.forcePathStyle }),
  };
}

export interface OpenedCopyDestination {
  readonly destination: Destination;
  /** The ledger's name for it (the URI, with the endpoint of an S3-compatible server). */
  readonly id: string;
}

/** Opens the destination (a bad bucket or folder fails here, with the destination's code). */
export async function openCopyDestination(uri: string, s3: S3Defaults = {}): Promise<OpenedCopyDestination> {
  const spec = parseCopyDestination(uri);
  return { destination: await openDestinationSpec(spec, s3), id: destinationId(spec) };
}

export interface CopyRequest {
  readonly source: Source;
  readonly destination: OpenedCopyDestination;
  /** Where the copy's records go (not its data). */
  readonly journal: Journal;
  readonly executionId: string;
  readonly options: TaskOptions;
  readonly filter: PathFilter;
  readonly throttle?: Throttle;
  readonly signal?: AbortSignal;
  readonly counters?: ExecutionCounters;
  readonly onPhase?: (phase: 'PREPARING' | 'TRANSFERRING' | 'VERIFYING') => void;
  readonly onFileResult?: (result: FileOutcome) => void;
  readonly concurrency?: number;
}

export async function runCopy(r: CopyRequest): Promise<TransferResult> {
  const ledger = await DeliveryLedger.open(r.journal);
  const counters = r.counters ?? createExecutionCounters();
  const unlistable = (dir: Buffer, error: FloeError): void => {
    counters.FilesFailed.Prepare++;
    r.onFileResult?.({ path: displayPath(dir), key: '', size: 0, sha256: '', outcome: 'failed', code: error.code, message: error.message });
  };
  const engine = new TransferEngine({
    journal: r.journal,
    ledger,
    destination: r.destination.destination,
    destinationId: r.destination.id,
    executionId: r.executionId,
    transfer: 'copy',
    options: r.options,
    catalog: () => sourceCatalog(r.source, { filter: r.filter, options: r.options, ...(r.signal === undefined ? {} : { signal: r.signal }), onUnlistable: unlistable, onLeftOut: unlistable }),
    content: new SourceContent(r.source, { mtimePreserved: r.options.Mtime === 'PRESERVE' }),
    ...(r.throttle === undefined ? {} : { throttle: r.throttle }),
    ...(r.signal === undefined ? {} : { signal: r.signal }),
    counters,
    ...(r.onPhase === undefined ? {} : { onPhase: r.onPhase }),
    ...(r.onFileResult === undefined ? {} : { onFileResult: r.onFileResult }),
    ...(r.concurrency === undefined ? {} : { concurrency: r.concurrency }),
  });
  return engine.run();
}
