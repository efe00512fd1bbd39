// Journal: what the device holds (files, bytes, stored bytes, dedup), how full its disk is, and a
// full verify with progress.
import { Box, Text, useInput } from 'ink';
import { useState } from 'react';
import { DF_NOTE, dfShare, diskUsage, diskUsageText } from '../data/disk-usage.js';
import { formatBytes, formatCount } from '../data/format.js';
import { noJournalReason } from '../data/lifecycle-hints.js';
import { valueOf, type ActionResult } from '../data/store.js';
import { Gauge, ProgressBar } from '../widgets/bars.js';
import { Fields } from '../widgets/fields.js';
import { ErrorText, RemoteView } from '../widgets/notice.js';
import type { ScreenProps } from './screen-props.js';

export function JournalScreen({ snap, actions, active, width }: ScreenProps) {
  const [message, setMessage] = useState<ActionResult | undefined>(undefined);
  const verify = snap.verify;
  const status = valueOf(snap.status);
  // Verify reads every record with the job's keys: the daemon refuses it (DEVICE_LOCKED) without them.
  const noJournal = status === undefined ? undefined : noJournalReason(status);
  useInput(
    (input) => {
      if (input === 'v' && !verify.running && noJournal === undefined) {
        setMessage(undefined);
        void actions.verifyJournal().then(setMessage);
      }
    },
    { isActive: active },
  );
  const space = valueOf(snap.disk);
  const disk = space === undefined ? undefined : diskUsage({ sizeBytes: space.totalBytes, availableBytes: space.freeBytes, ...(space.usedBytes === undefined ? {} : { usedBytes: space.usedBytes }) });
  return (
    <Box flexDirection="column">
      <Text bold>Journal</Text>
      {status?.state === 'ERASED' ? <Text wrap="wrap">{`Journal: ${noJournal ?? ''}.`}</Text> : (
      <RemoteView remote={snap.journal} what="Journal">
        {(j) => (
          <Fields
            rows={[
              // The journal counts an entry per file, folder and link; ingest counts files (no folders).
              ['Files', `${formatCount(j.files)} entries (files and folders)`],
              ['Bytes (logical)', formatBytes(j.logicalBytes)],
              ['Stored on disk', `${formatBytes(j.storedBytes)} in ${formatCount(j.segments)} segment(s)`],
              ['Unique chunks', `${formatCount(j.chunks)} (${formatBytes(j.chunkBytes)})`],
              ['Dedup ratio', `${Number(j.dedupRatio).toFixed(2)}x`],
              ['Records', formatCount(j.records)],
            ]}
          />
        )}
      </RemoteView>
      )}
      <Text> </Text>
      {disk ? (
        <>
          <Gauge label="Data disk (journal)" used={dfShare(disk).used} total={dfShare(disk).total} width={Math.max(10, width - 38)} />
          <Text wrap="truncate-end">{`     ${diskUsageText(disk)}`}</Text>
          <Text wrap="truncate-end">{`     ${DF_NOTE}`}</Text>
        </>
      ) : snap.disk.state === 'error' ? (
        <ErrorText error={snap.disk.error} prefix="Data disk" />
      ) : (
        <Text>Data disk: not available on this daemon</Text>
      )}
      <Text> </Text>
      {verify.running ? (
        <>
          <Text>Verifying: reading every segment, checking every record and the hash chain...</Text>
          {verify.totalBytes ? <ProgressBar done={verify.bytesScanned ?? 0} total={verify.totalBytes} width={Math.max(10, width - 10)} /> : null}
        </>
      ) : verify.result ? (
        verify.result.ok ? (
          <Text>{`Verify: OK, ${formatCount(verify.result.files)} entries (files and folders), ${formatCount(verify.result.records)} records, no problem`}</Text>
        ) : (
          <Box flexDirection="column">
            <Text bold>{`Verify: ${verify.result.problems.length} PROBLEM(S) in ${formatCount(verify.result.records)} records`}</Text>
            {verify.result.problems.slice(0, 4).map((p, i) => (
              <Text key={i} wrap="truncate-end">{`  ${p.kind}: ${p.message}`}</Text>
            ))}
          </Box>
        )
      ) : noJournal !== undefined ? (
        <Text wrap="wrap">{status?.state === 'ERASED' ? 'Nothing to verify: the journal is crypto-erased.' : `Verify needs the job keys: ${noJournal}.`}</Text>
      ) : (
        <Text>Press v to verify the whole journal.</Text>
      )}
      {verify.error ? <ErrorText error={verify.error} prefix="Verify failed" /> : message && !message.ok && !verify.error ? <ErrorText error={message.error} /> : null}
    </Box>
  );
}
