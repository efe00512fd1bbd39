// Restore: the recovery points (each ingest execution that ended), one picked with the arrows, a
// target (a folder, file:///path, or an NFS export, nfs://host/export/path) and optional filters,
// the restore started and followed the way the Import screen follows an import (its Transfer:
// phase, entries, bytes, rate and ETA), cancelled, and its end state with the error codes.
import { Box, Text, useInput } from 'ink';
import { formatBytes, formatCount } from '../data/format.js';
import { noJournalReason } from '../data/lifecycle-hints.js';
import { valueOf } from '../data/store.js';
import type { RecoveryPointView, RestoreInput, RestoreView, TransferView } from '../data/views.js';
import { ErrorText, RemoteView } from '../widgets/notice.js';
import { TextField, editText } from '../widgets/text-field.js';
import { useRefState } from '../widgets/use-ref-state.js';
import { useActionMessage, useCapture } from '../widgets/use-screen-input.js';
import { Transfer } from './import-screen.js';
import type { ScreenProps } from './screen-props.js';

const FORM_FIELDS = [
  { key: 'target', label: 'Target   ', hint: 'a folder, file:///path, or an NFS export, nfs://host/export/path; Enter: next' },
  { key: 'includes', label: 'Includes ', hint: 'e.g. /projects*|/home/alice* (empty: the whole point); Enter: next' },
  { key: 'excludes', label: 'Excludes ', hint: 'e.g. *.tmp|*/.cache (empty: none); Enter or Esc: done, then r' },
] as const;
type FormKey = (typeof FORM_FIELDS)[number]['key'];
type Form = Record<FormKey, string>;
const EMPTY_FORM: Form = { target: '', includes: '', excludes: '' };

/** Recovery point rows shown at once; the picked one stays in view. */
const ROWS = 5;

type Mode = { kind: 'list' } | { kind: 'form'; field: number } | { kind: 'confirm-start'; input: RestoreInput } | { kind: 'confirm-cancel'; executionId: string };

/** An ISO time as "2026-11-30 09:58" (UTC, as the daemon gives it). */
export function shortTime(iso: string): string {
  return iso === '' ? '-' : iso.slice(0, 16).replace('T', ' ');
}

/** The point picked: `selected` (-1 until the technician moves: the newest). */
function pickedIndex(selected: number, points: readonly RecoveryPointView[]): number {
  return selected < 0 ? points.length - 1 : Math.min(selected, points.length - 1);
}

function PointList(props: { points: readonly RecoveryPointView[]; index: number; width: number }) {
  const { points, index } = props;
  if (points.length === 0) return <Text wrap="wrap">No recovery points yet: each ingest execution that ends makes one (3 Tasks).</Text>;
  const idWidth = Math.max(8, ...points.map((p) => p.id.length)) + 1;
  const fixed = 2 + idWidth + 17 + 10 + 8 + 11;
  const taskWidth = Math.max(6, props.width - fixed);
  const start = Math.max(0, Math.min(points.length - ROWS, index - Math.floor(ROWS / 2)));
  const row = (p: RecoveryPointView): string =>
    `${p.id.padEnd(idWidth)}${shortTime(p.endTime).padEnd(17)}${(p.taskName || p.taskId).slice(0, taskWidth - 1).padEnd(taskWidth)}${p.status.padEnd(10)}${formatCount(p.files).padStart(8)}${formatBytes(p.bytes).padStart(11)}`;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">{`  ${'POINT'.padEnd(idWidth)}${'ENDED (UTC)'.padEnd(17)}${'TASK'.padEnd(taskWidth)}${'STATUS'.padEnd(10)}${'ENTRIES'.padStart(8)}${'BYTES'.padStart(11)}`}</Text>
      {points.slice(start, start + ROWS).map((p, i) => (
        <Text key={p.id || i} wrap="truncate-end" inverse={start + i === index}>
          {`${start + i === index ? '>' : ' '} ${row(p)}`}
        </Text>
      ))}
    </Box>
  );
}

export function RestoreScreen({ snap, actions, active, setCapture, width }: ScreenProps) {
  const [selected, setSelected, getSelected] = useRefState(-1);
  const [mode, setMode, getMode] = useRefState<Mode>({ kind: 'list' });
  const [form, setForm, getForm] = useRefState<Form>(EMPTY_FORM);
  const { message, setMessage, run } = useActionMessage();
  const status = valueOf(snap.status);
  // Points are read from the journal with the job's keys: the daemon refuses them (DEVICE_LOCKED) without.
  const noKeys = status === undefined ? undefined : noJournalReason(status);
  const lockedError = snap.points.state === 'error' && snap.points.error.code === 'DEVICE_LOCKED' ? snap.points.error : undefined;
  const locked = noKeys !== undefined || lockedError !== undefined;
  const points = locked ? [] : (valueOf(snap.points) ?? []);
  const index = pickedIndex(selected, points);
  const restore = valueOf(snap.restoreStatus);
  const running = restore?.status === 'RUNNING';
  useCapture(active && mode.kind !== 'list', setCapture);

  useInput(
    (input, key) => {
      const mode = getMode();
      const form = getForm();
      const index = pickedIndex(getSelected(), points);
      if (mode.kind === 'confirm-start' || mode.kind === 'confirm-cancel') {
        if (input === 'y') run(mode.kind === 'confirm-start' ? actions.startRestore(mode.input) : actions.cancelRestore());
        setMode({ kind: 'list' });
        setCapture(false);
        return;
      }
      if (mode.kind === 'form') {
        if (key.escape || (key.return && mode.field === FORM_FIELDS.length - 1)) {
          setMode({ kind: 'list' });
          setCapture(false);
          return;
        }
        if (key.upArrow || (key.tab && key.shift)) {
          setMode({ kind: 'form', field: Math.max(0, mode.field - 1) });
          return;
        }
        if (key.downArrow || key.tab || key.return) {
          setMode({ kind: 'form', field: Math.min(FORM_FIELDS.length - 1, mode.field + 1) });
          return;
        }
        const k = FORM_FIELDS[mode.field]!.key;
        const v = editText(form[k], input, key);
        if (v !== undefined) setForm({ ...form, [k]: v });
        return;
      }
      // list
      if (locked) return;
      if (key.upArrow) setSelected(Math.max(0, index - 1));
      else if (key.downArrow) setSelected(Math.min(Math.max(0, points.length - 1), index + 1));
      else if (input === 't') {
        setMessage(undefined);
        setMode({ kind: 'form', field: 0 });
      } else if (input === 'r') {
        const point = points[index];
        if (point === undefined) setMessage({ ok: false, error: { code: 'INVALID_STATE', message: 'no recovery point to restore: an ingest execution must end first' } });
        else if (running) setMessage({ ok: false, error: { code: 'CONFLICT', message: `restore ${restore.executionId ?? ''} is running: wait for it or cancel it (c)` } });
        else if (form.target.trim() === '') {
          setMessage({ ok: false, error: { code: 'INVALID_ARGUMENT', message: 'a restore needs a target (file:// or nfs://): t, then r' } });
          setMode({ kind: 'form', field: 0 });
        } else {
          setMessage(undefined);
          setMode({ kind: 'confirm-start', input: { point: point.id, target: form.target.trim(), includes: form.includes.trim(), excludes: form.excludes.trim() } });
        }
      } else if (input === 'c') {
        if (running && restore.executionId !== undefined) setMode({ kind: 'confirm-cancel', executionId: restore.executionId });
        else setMessage({ ok: false, error: { code: 'INVALID_STATE', message: 'no restore is running' } });
      }
    },
    { isActive: active },
  );

  const confirming = mode.kind === 'confirm-start' ? points.find((p) => p.id === mode.input.point) : undefined;
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>Recovery points</Text>
        {locked ? '' : points.length > 0 ? ` (${points.length}, oldest first; point ${index + 1} picked)` : ''}
      </Text>
      {status?.state === 'ERASED' ? (
        <Text wrap="wrap">Nothing to restore: the journal is crypto-erased.</Text>
      ) : locked ? (
        <Text wrap="wrap">{`Recovery points and restore need the job keys: ${noKeys ?? lockedError?.message ?? ''}.`}</Text>
      ) : (
        <RemoteView remote={snap.points} what="Recovery points">
          {() => <PointList points={points} index={index} width={width} />}
        </RemoteView>
      )}
      {locked ? null : (
        <>
          {FORM_FIELDS.map((f, i) => (
            <TextField key={f.key} label={f.label} value={form[f.key]} focused={mode.kind === 'form' && mode.field === i} width={width - 14} placeholder={i === 0 ? '(t to type file:///path or nfs://host/export/path)' : '(none)'} />
          ))}
          {mode.kind === 'form' ? <Text wrap="truncate-end">{`  ${FORM_FIELDS[mode.field]!.hint}`}</Text> : null}
        </>
      )}
      <Text> </Text>
      {snap.restoreStatus.state === 'error' && snap.restoreStatus.error.code === 'NOT_FOUND' && restore === undefined ? (
        <Text>Restore: none since the daemon started.</Text>
      ) : (
        <Transfer title="Restore" remote={snap.restoreStatus} throughput={snap.restoreThroughput} width={width} subtitle={(t: TransferView) => restoreLine(t as RestoreView)} />
      )}
      {mode.kind === 'confirm-start' ? (
        <Text bold wrap="wrap">
          {`Restore point ${mode.input.point}${confirming ? ` (ended ${shortTime(confirming.endTime)}, ${formatCount(confirming.files)} entries, ${formatBytes(confirming.bytes)})` : ''} into ${mode.input.target}? y = yes, any other key = no`}
        </Text>
      ) : null}
      {mode.kind === 'confirm-cancel' ? <Text bold>{`Cancel restore ${mode.executionId}? What is written stays; r again resumes. y = yes, any other key = no`}</Text> : null}
      {message ? message.ok ? <Text wrap="truncate-end">{message.message}</Text> : <ErrorText error={message.error} /> : null}
    </Box>
  );
}

/** "Point exec-…, started …, ended …" under the restore's title; the target is its destination line. */
function restoreLine(r: RestoreView): string | undefined {
  if (r.point === '' && r.target === '') return undefined;
  const into = r.destinations.length === 0 && r.target !== '' ? ` into ${r.target}` : '';
  return `Point ${r.point || 'latest'}${into}${r.startedAt ? `, started ${shortTime(r.startedAt)}` : ''}${r.endedAt ? `, ended ${shortTime(r.endedAt)}` : ''}`;
}
