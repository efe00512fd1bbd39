// Which transfer the dashboard follows: the running task execution (the newest if several), else a
// running import or online sync run, else the newest execution.
import { isRunning, type ExecutionView, type TransferView } from './views.js';

/** An import or sync run as one execution: its destinations' counters summed, the least advanced phase. */
export function transferAsExecution(t: TransferView, kind: string): ExecutionView {
  const sum = (f: (d: TransferView['destinations'][number]) => number): number => t.destinations.reduce((n, d) => n + f(d), 0);
  const order = ['QUEUED', 'LAUNCHING', 'PREPARING', 'TRANSFERRING', 'VERIFYING', 'SUCCESS', 'ERROR'];
  const phases = t.destinations.map((d) => d.status).sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const phase = phases.find((p) => p !== 'SUCCESS' && p !== 'ERROR') ?? 'VERIFYING';
  return {
    id: t.executionId ?? kind,
    taskId: kind,
    status: phase,
    estimatedFiles: sum((d) => d.filesTotal),
    estimatedBytes: sum((d) => d.bytesTotal),
    filesTransferred: sum((d) => d.filesDone),
    bytesWritten: sum((d) => d.bytesDone),
    bytesTransferred: sum((d) => d.bytesDone),
    filesSkipped: sum((d) => d.filesSkipped ?? 0),
    filesVerified: sum((d) => d.filesVerified ?? 0),
    filesDeleted: 0,
    filesPrepared: 0,
    filesListed: 0,
    filesFailed: sum((d) => d.filesFailed),
  };
}

/** The running execution (the newest if several), else the newest. */
export function pickCurrent(list: readonly ExecutionView[]): ExecutionView | undefined {
  const byStart = [...list].sort((a, b) => (a.startTime ?? '').localeCompare(b.startTime ?? ''));
  return byStart.filter(isRunning).at(-1) ?? byStart.at(-1);
}
