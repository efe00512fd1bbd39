// Import (at the facility) and online sync (on site): progress per destination, the completion
// report's summary and its failures.
import { Box, Text, useInput } from 'ink';
import { useState } from 'react';
import { transferAsExecution } from '../data/current-transfer.js';
import { formatBytes, formatCount, formatDuration, formatThroughput } from '../data/format.js';
import { valueOf, type ActionResult, type Remote, type ThroughputView } from '../data/store.js';
import { phaseProgress, type DestinationProgressView, type TransferView } from '../data/views.js';
import { ProgressBar } from '../widgets/bars.js';
import { ErrorText, RemoteView } from '../widgets/notice.js';
import type { ScreenProps } from './screen-props.js';
import type { DeviceStatus } from '../data/views.js';

/** What this screen is for in the device's state; an EXPORT job imports nothing, its report is the restore's. */
function importLine(status: DeviceStatus | undefined): string {
  const state = status?.state;
  if (status?.jobType === 'EXPORT') return 'an EXPORT job imports nothing into AWS; it restores on site (8), and its completion report is below';
  return state === 'AT_FACILITY' || state === 'IMPORTING' || state?.startsWith('IMPORTED') ? 'import into the destinations' : state === 'ON_SITE' ? 'online sync while the network is up' : 'import runs at the facility, online sync on site';
}

/** One destination's bar: bytes while it transfers, entries verified of entries to verify while it verifies.
 * An import counts journal entries, folders included (appliance/transfer/transfer-engine.ts). */
function DestinationLine(props: { d: DestinationProgressView; width: number }) {
  const { d } = props;
  const p = phaseProgress({ ...transferAsExecution({ status: 'RUNNING', destinations: [d] }, d.uri), status: d.status });
  const verifying = p.phase === 'verify';
  return (
    <Text wrap="truncate-end">
      {'  '}
      <ProgressBar done={p.done} total={p.total} width={Math.max(10, props.width - (verifying ? 74 : 64))} {...(verifying ? { label: 'Verifying' } : {})} />
      {verifying
        ? `  ${formatCount(p.done)}/${formatCount(p.total)} entries verified  failed ${formatCount(d.filesFailed)}`
        : `  ${formatCount(d.filesDone)}/${formatCount(d.filesTotal)} entries  ${formatBytes(d.bytesDone)}/${formatBytes(d.bytesTotal)}  failed ${formatCount(d.filesFailed)}`}
    </Text>
  );
}

/** A run's title, rate and ETA, and each destination with its bar: the Import screen's import and
 * sync runs, and the Restore screen's restore (ui/screens/restore-screen.tsx). */
export function Transfer(props: { title: string; remote: Remote<TransferView>; throughput: ThroughputView; width: number; subtitle?: (t: TransferView) => string | undefined }) {
  return (
    <RemoteView remote={props.remote} what={props.title}>
      {(t) => {
        // The rate and ETA of the whole run, from the meter the dashboard uses (ui/data/throughput.ts).
        const meter = props.throughput;
        const follows = t.status === 'RUNNING' && t.destinations.length > 0 && meter.executionId === (t.executionId ?? meter.executionId);
        return (
          <Box flexDirection="column">
            <Text>
              <Text bold>{props.title}</Text>
              {`: ${t.status}${t.executionId ? ` (execution ${t.executionId})` : ''}`}
            </Text>
            {props.subtitle?.(t) ? <Text wrap="truncate-end">{`  ${props.subtitle(t)}`}</Text> : null}
            {follows ? <Text wrap="truncate-end">{`  Rate ${formatThroughput(meter)}  ETA ${formatDuration(meter.etaSeconds)}`}</Text> : null}
            {t.message ? <Text wrap="truncate-end">{`  ${t.message}`}</Text> : null}
            {t.destinations.map((d, i) => (
              <Box key={i} flexDirection="column">
                <Text wrap="truncate-end">{`  ${d.uri || 'destination'}  ${d.status}`}</Text>
                <DestinationLine d={d} width={props.width} />
                {d.errorCode ? (
                  <Box paddingLeft={2}>
                    <ErrorText error={{ code: d.errorCode, message: d.errorDetail ?? '' }} prefix="Error" />
                  </Box>
                ) : null}
              </Box>
            ))}
          </Box>
        );
      }}
    </RemoteView>
  );
}

export function ImportScreen({ snap, actions, active, width }: ScreenProps) {
  const [message, setMessage] = useState<ActionResult | undefined>(undefined);
  const state = valueOf(snap.status)?.state;
  useInput(
    (input) => {
      if (state === 'ERASED') return;
      const run = (p: Promise<ActionResult>): void => {
        setMessage(undefined);
        void p.then(setMessage);
      };
      if (input === 'i') run(actions.startImport());
      else if (input === 's') run(actions.startSync());
      else if (input === 'x') run(actions.stopSync());
    },
    { isActive: active },
  );
  if (state === 'ERASED') {
    // Nothing is left to import or sync; a route's refusal would only say "unlock", which cannot be.
    return <Text wrap="wrap">Device ERASED: the journal is crypto-erased; there is nothing left to import or sync, and nothing can be unlocked.</Text>;
  }
  return (
    <Box flexDirection="column">
      <Text>{`Device ${state ?? 'unknown'}: ${importLine(valueOf(snap.status))}`}</Text>
      <Transfer title="Import" remote={snap.importStatus} throughput={snap.importThroughput} width={width} />
      <Transfer title="Online sync" remote={snap.syncStatus} throughput={snap.syncThroughput} width={width} />
      <Text> </Text>
      <RemoteView remote={snap.report} what="Completion report">
        {(r) => (
          <Box flexDirection="column">
            <Text>
              <Text bold>Completion report</Text>
              {`: ${r.status}${r.finishedAt ? ` at ${r.finishedAt}` : ''}`}
            </Text>
            <Text wrap="truncate-end">{`  Entries ${formatCount(r.filesTotal)} (files and folders)  succeeded ${formatCount(r.filesSucceeded)}  failed ${formatCount(r.filesFailed)}  ${formatBytes(r.bytes)}`}</Text>
            {r.summaryLines.slice(0, 3).map((l, i) => (
              <Text key={`s${i}`} wrap="truncate-end">{`  ${l}`}</Text>
            ))}
            {r.failures.length > 0 ? <Text bold>{`  Failures (${r.failures.length})`}</Text> : null}
            {r.failures.slice(0, 4).map((f, i) => (
              <Text key={`f${i}`} wrap="wrap">{`  ${f.path}  [${f.code}] ${f.message}`}</Text>
            ))}
          </Box>
        )}
      </RemoteView>
      {message ? message.ok ? <Text>{message.message}</Text> : <ErrorText error={message.error} /> : null}
    </Box>
  );
}
