// Tasks: the list, a form to create one from a source URI with filters and options, start,
// cancel, and the bandwidth limit of a running execution.
import { Box, Text, useInput } from 'ink';
import { useRefState } from '../widgets/use-ref-state.js';
import { useActionMessage, useCapture } from '../widgets/use-screen-input.js';
import { parseBytesPerSecond } from '../../appliance/tasks/options.js';
import { formatLimit, formatPercent, formatThroughput } from '../data/format.js';
import { toUiError } from '../data/ui-error.js';
import { noTasksReason } from '../data/lifecycle-hints.js';
import { valueOf } from '../data/store.js';
import { isRunning, phaseProgress, type ExecutionView, type TaskInput, type TaskView } from '../data/views.js';
import { ErrorText, RemoteView } from '../widgets/notice.js';
import { TextField, editText } from '../widgets/text-field.js';
import type { ScreenProps } from './screen-props.js';

const FORM_FIELDS = [
  { key: 'name', label: 'Name        ', hint: 'e.g. projects-share' },
  { key: 'source', label: 'Source URI  ', hint: 'nfs://host/export/path?nfsport=&mountport= or file:///path' },
  { key: 'includes', label: 'Includes    ', hint: 'e.g. /projects*|/home*  (empty: everything)' },
  { key: 'excludes', label: 'Excludes    ', hint: 'e.g. */.snapshot|*.tmp' },
  { key: 'options', label: 'Options     ', hint: 'Key=Value ..., e.g. VerifyMode=ONLY_FILES_TRANSFERRED BytesPerSecond=50M' },
] as const;
type FormKey = (typeof FORM_FIELDS)[number]['key'];
type Form = Record<FormKey, string>;
const EMPTY_FORM: Form = { name: '', source: '', includes: '', excludes: '', options: '' };

/** BytesPerSecond as the CLI and the daemon read it (parseBytesPerSecond): 50M, 800K, 1.5G, 1048576, -1, off. */
export function bytesPerSecond(text: string): { value: number } | { error: string } {
  try {
    return { value: parseBytesPerSecond(text.trim()) };
  } catch (err) {
    return { error: toUiError(err).message };
  }
}

/** `Key=Value` pairs separated by spaces or commas; BytesPerSecond accepts what the CLI accepts. */
export function parseOptions(text: string): { options: Record<string, string | number> } | { error: string } {
  const options: Record<string, string | number> = {};
  for (const part of text.split(/[\s,]+/).filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { error: `option "${part}" is not Key=Value` };
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (key === 'BytesPerSecond') {
      const bps = bytesPerSecond(value);
      if ('error' in bps) return bps;
      options[key] = bps.value;
    } else {
      options[key] = /^-?\d+$/.test(value) ? Number(value) : value;
    }
  }
  return { options };
}

/** The execution to show for a task: its current one, else its newest. */
export function executionOf(task: TaskView, executions: readonly ExecutionView[]): ExecutionView | undefined {
  const mine = executions.filter((e) => e.id === task.currentExecutionId || e.taskId === task.id);
  return mine.find((e) => e.id === task.currentExecutionId) ?? mine.filter(isRunning).at(-1) ?? mine.at(-1);
}

type Mode = { kind: 'list' } | { kind: 'form'; field: number } | { kind: 'bandwidth'; executionId: string } | { kind: 'confirm-cancel'; executionId: string };

export function TasksScreen({ snap, actions, active, setCapture, width }: ScreenProps) {
  const [selected, setSelected, getSelected] = useRefState(0);
  const [mode, setMode, getMode] = useRefState<Mode>({ kind: 'list' });
  const [form, setForm, getForm] = useRefState<Form>(EMPTY_FORM);
  const [bandwidth, setBandwidth, getBandwidth] = useRefState('');
  const { message, setMessage, run } = useActionMessage();
  const tasks = valueOf(snap.tasks) ?? [];
  const status = valueOf(snap.status);
  const blocked = status === undefined ? undefined : noTasksReason(status);
  const executions = valueOf(snap.executions) ?? (snap.current ? [snap.current] : []);
  const task = tasks[Math.min(selected, tasks.length - 1)];
  const execution = task ? executionOf(task, executions) : undefined;
  useCapture(active && mode.kind !== 'list', setCapture);

  useInput(
    (input, key) => {
      const mode = getMode();
      const form = getForm();
      const bandwidth = getBandwidth();
      const selected = getSelected();
      const task = tasks[Math.min(selected, tasks.length - 1)];
      const execution = task ? executionOf(task, executions) : undefined;
      const typing = mode.kind === 'form' || mode.kind === 'bandwidth';
      if (mode.kind === 'confirm-cancel') {
        if (input === 'y') run(actions.cancelExecution(mode.executionId));
        setMode({ kind: 'list' });
        setCapture(false);
        return;
      }
      if (typing && key.escape) {
        setMode({ kind: 'list' });
        setCapture(false);
        return;
      }
      if (mode.kind === 'bandwidth') {
        if (key.return) {
          const bps = bytesPerSecond(bandwidth);
          if ('error' in bps) {
            setMessage({ ok: false, error: { code: 'INVALID_ARGUMENT', message: bps.error } });
            return;
          }
          run(actions.setBandwidth(mode.executionId, bps.value));
          setMode({ kind: 'list' });
          return;
        }
        const v = editText(bandwidth, input, key);
        if (v !== undefined) setBandwidth(v);
        return;
      }
      if (mode.kind === 'form') {
        const k = FORM_FIELDS[mode.field]!.key;
        if (key.upArrow || (key.tab && key.shift)) {
          setMode({ kind: 'form', field: Math.max(0, mode.field - 1) });
          return;
        }
        if (key.downArrow || key.tab || (key.return && mode.field < FORM_FIELDS.length - 1)) {
          setMode({ kind: 'form', field: Math.min(FORM_FIELDS.length - 1, mode.field + 1) });
          return;
        }
        if (key.return) {
          const parsed = parseOptions(form.options);
          if ('error' in parsed) {
            setMessage({ ok: false, error: { code: 'INVALID_ARGUMENT', message: parsed.error } });
            return;
          }
          const input: TaskInput = { name: form.name.trim(), source: form.source.trim(), includes: form.includes.trim(), excludes: form.excludes.trim(), options: parsed.options };
          setMessage(undefined);
          void actions.createTask(input).then((r) => {
            setMessage(r);
            if (r.ok) {
              setForm(EMPTY_FORM);
              setMode({ kind: 'list' });
              setSelected(tasks.length);
            }
          });
          return;
        }
        const v = editText(form[k], input, key);
        if (v !== undefined) setForm({ ...form, [k]: v });
        return;
      }
      // list
      if (key.upArrow) setSelected(Math.max(0, selected - 1));
      else if (key.downArrow) setSelected(Math.min(Math.max(0, tasks.length - 1), selected + 1));
      else if (input === 'n') {
        setMessage(undefined);
        setMode({ kind: 'form', field: 0 });
      } else if (input === 's' && task) run(actions.startTask(task.id));
      else if (input === 's') setMessage({ ok: false, error: { code: 'INVALID_STATE', message: 'no task to start: press n to create one' } });
      else if (input === 'c' && execution && isRunning(execution)) setMode({ kind: 'confirm-cancel', executionId: execution.id });
      else if (input === 'b' && execution && isRunning(execution)) {
        setBandwidth('');
        setMode({ kind: 'bandwidth', executionId: execution.id });
      } else if ((input === 'c' || input === 'b') && !isRunning(execution)) {
        setMessage({ ok: false, error: { code: 'INVALID_STATE', message: 'no running execution for this task' } });
      }
    },
    { isActive: active },
  );

  const nameWidth = 16;
  const statusWidth = 14;
  const sourceWidth = Math.max(10, width - nameWidth - statusWidth - 22);
  return (
    <Box flexDirection="column">
      {mode.kind === 'form' ? (
        <>
          <Text bold>New ingest task (Enter: next field, Enter on the last: create, Esc: back)</Text>
          {FORM_FIELDS.map((f, i) => (
            <TextField key={f.key} label={f.label} value={form[f.key]} focused={mode.field === i} width={width - 18} placeholder="" />
          ))}
          <Text wrap="truncate-end">{`  ${FORM_FIELDS[mode.field]!.hint}`}</Text>
        </>
      ) : (
        <>
        {blocked === undefined ? null : <Text wrap="wrap">{`Tasks: ${blocked}.`}</Text>}
        {blocked !== undefined && snap.tasks.state !== 'ok' ? null : (
        <RemoteView remote={snap.tasks} what="Tasks">
          {(list) =>
            list.length === 0 ? (
              <Text>{blocked === undefined ? 'No tasks yet: press n to create one from a source URI.' : 'No tasks.'}</Text>
            ) : (
              <Box flexDirection="column">
                <Text bold>{`  ${'NAME'.padEnd(nameWidth)}${'SOURCE'.padEnd(sourceWidth)}  ${'STATUS'.padEnd(statusWidth)}LAST RUN`}</Text>
                {list.slice(0, 8).map((t, i) => {
                  const e = executionOf(t, executions);
                  const last = e ? `${e.status} ${formatPercent(phaseProgress(e).done, phaseProgress(e).total)}` : '-';
                  return (
                    <Text key={t.id || i} wrap="truncate-end" inverse={i === selected}>
                      {`${i === selected ? '>' : ' '} ${t.name.slice(0, nameWidth - 1).padEnd(nameWidth)}${t.source.slice(0, sourceWidth).padEnd(sourceWidth)}  ${t.status.padEnd(statusWidth)}${last}`}
                    </Text>
                  );
                })}
              </Box>
            )
          }
        </RemoteView>
        )}
        </>
      )}
      <Text> </Text>
      {task && mode.kind !== 'form' ? (
        <Box flexDirection="column">
          <Text wrap="truncate-end">{`Task ${task.id}: ${task.source}`}</Text>
          <Text wrap="truncate-end">{`Includes ${task.includes || '(all)'}  Excludes ${task.excludes || '(none)'}`}</Text>
          {execution ? (
            <Text wrap="truncate-end">{`Execution ${execution.id} ${execution.status}  ${formatPercent(phaseProgress(execution).done, phaseProgress(execution).total)}  ${isRunning(execution) && snap.throughput.executionId === execution.id ? formatThroughput(snap.throughput) : ''}  limit ${formatLimit(execution.bytesPerSecond)}`}</Text>
          ) : (
            <Text>{blocked === undefined ? 'No execution yet: press s to start one.' : 'No execution.'}</Text>
          )}
          {execution?.errorCode ? <ErrorText error={{ code: execution.errorCode, message: execution.errorDetail ?? '' }} prefix="Execution failed" /> : null}
        </Box>
      ) : null}
      {mode.kind === 'bandwidth' ? <TextField label={`New limit for ${mode.executionId} (50M, 800k, off)`} value={bandwidth} focused width={30} /> : null}
      {mode.kind === 'confirm-cancel' ? <Text bold>{`Cancel execution ${mode.executionId}? y = yes, any other key = no`}</Text> : null}
      {message ? message.ok ? <Text>{message.message}</Text> : <ErrorText error={message.error} /> : null}
    </Box>
  );
}
