// Dashboard: what state the device is in, what it is doing, how fast, and what went wrong.
import { Box, Text } from 'ink';
import { formatBytes, formatCount, formatDuration, formatLimit, formatThroughput } from '../data/format.js';
import { canRunTasks, nextStep } from '../data/lifecycle-hints.js';
import { valueOf } from '../data/store.js';
import { isRunning, phaseProgress, progressOf } from '../data/views.js';
import { ProgressBar, Sparkline } from '../widgets/bars.js';
import { bigText } from '../widgets/big-font.js';
import { ErrorText } from '../widgets/notice.js';
import { stateColor, useColor } from '../widgets/theme.js';
import type { ScreenProps } from './screen-props.js';

export function LifecycleBanner(props: { state: string; width: number }) {
  const color = useColor();
  return (
    <Box flexDirection="column">
      {bigText(props.state.replaceAll('_', ' '), props.width).map((line, i) => (
        <Text key={i} color={color(stateColor(props.state))} bold>
          {line}
        </Text>
      ))}
    </Box>
  );
}

function since(iso: string, now: number): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : `${formatDuration((now - t) / 1000)} ago`;
}

export function DashboardScreen({ snap, width }: ScreenProps) {
  const status = valueOf(snap.status);
  const e = snap.current;
  const t = snap.throughput;
  const running = isRunning(e);
  const step = status === undefined ? undefined : nextStep(status);
  const total = e ? Math.max(e.estimatedBytes, e.bytesWritten) : 0;
  const bytes = e ? progressOf(e) : { done: 0, total: 0 };
  // VERIFYING has its own progress: files verified of files to verify (bytes are all moved by then).
  const phase = e ? phaseProgress(e) : undefined;
  const barLabel = phase?.phase === 'verify' ? 'Verifying' : undefined;
  // Only the daemon's errors: its error and warning events, the execution's ErrorCode and its
  // skipped and failed files. A refused input (a typo in a form, a wrong unlock code) is answered
  // on the screen where it was typed (ui/data/store.ts, #act), never here.
  const failure = e?.errorCode ? { code: e.errorCode, message: e.errorDetail ?? '' } : undefined;
  const lastErrors = [
    ...snap.errors.map((err) => `${err.at.slice(11, 19)} ${err.code ? `[${err.code}] ` : ''}${err.message}`),
    ...(e?.problems ?? []).slice(-4).map((p) => `${p.outcome} ${p.path}: ${p.message} [${p.code}]`),
  ].slice(failure ? -3 : -4);
  return (
    <Box flexDirection="column">
      {status === undefined ? (
        <Text>{snap.connection.everOnline ? 'Device state unknown' : 'Waiting for the floe daemon...'}</Text>
      ) : (
        <>
          <LifecycleBanner state={status.state} width={width} />
          <Text wrap="truncate-end">
            {`State ${status.state} (${status.snowballJobState}), since ${since(status.since, snap.now)} · keys ${status.unlocked ? 'held' : 'none'}`}
          </Text>
          <Text wrap="truncate-end">{`Job ${status.jobId}  Device ${status.deviceId}`}</Text>
          {step === undefined ? null : <Text wrap="wrap">{step}</Text>}
          {status.unlockRetryAfterSeconds > 0 ? <Text>{`Unlock delayed ${status.unlockRetryAfterSeconds} s after ${status.failedUnlockAttempts} wrong code(s)`}</Text> : null}
        </>
      )}
      <Text> </Text>
      {e === undefined ? (
        snap.executions.state === 'unavailable' ? (
          <Text>Executions: not available on this daemon</Text>
        ) : status === undefined || canRunTasks(status) ? (
          <Text>No execution yet: press 3 for Tasks to create and start one</Text>
        ) : null
      ) : (
        <>
          <Text wrap="truncate-end">
            {'Phase '}
            <Text bold>{e.status}</Text>
            {`  execution ${e.id}${e.taskId ? ` of ${e.taskId}` : ''}`}
          </Text>
          <ProgressBar done={phase?.done ?? 0} total={phase?.total ?? 0} width={Math.max(10, width - 12 - (barLabel === undefined ? 0 : barLabel.length + 1))} {...(barLabel === undefined ? {} : { label: barLabel })} />
          {phase?.phase === 'verify' ? (
            <Text wrap="truncate-end">{`Verified ${formatCount(phase.done)} of ${formatCount(phase.total)} files  (copied ${formatBytes(bytes.done)} in ${formatCount(e.filesTransferred)} files)`}</Text>
          ) : (
            <Text wrap="truncate-end">{`Bytes ${formatBytes(bytes.done)} of ${formatBytes(total)}  Files ${formatCount(e.filesTransferred)} of ${formatCount(Math.max(e.estimatedFiles, e.filesTransferred))}${e.taskId === 'import' || e.taskId === 'online sync' ? ' (folders included)' : ' (folders not counted)'}`}</Text>
          )}
          <Text wrap="truncate-end">
            {`Throughput ${running ? formatThroughput(t) : '-'} `}
            <Sparkline values={t.history} width={24} />
            {`  ETA ${running ? formatDuration(t.etaSeconds) : e.status === 'SUCCESS' ? 'done' : '-'}  Limit ${formatLimit(e.bytesPerSecond)}`}
          </Text>
          <Text wrap="truncate-end">{`Skipped ${formatCount(e.filesSkipped)}  Verified ${formatCount(e.filesVerified)}  Deleted ${formatCount(e.filesDeleted)}  Failed ${formatCount(e.filesFailed)}`}</Text>
        </>
      )}
      <Text> </Text>
      <Text bold>{`Last errors${e?.problemCount ? ` (this execution: ${e.problemCount} file problem(s))` : ''}`}</Text>
      {failure ? <ErrorText error={failure} prefix="Execution failed" /> : null}
      {lastErrors.length === 0 && !failure ? (
        <Text>none</Text>
      ) : (
        lastErrors.map((line, i) => (
          <Text key={i} wrap="truncate-end">
            {line}
          </Text>
        ))
      )}
    </Box>
  );
}
