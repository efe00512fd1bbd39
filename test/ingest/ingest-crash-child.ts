// Child process of ingest-crash.test.ts: what `floe serve` does for an ingest, without its HTTP
// front. It loads the device, unlocks it, and starts an execution of the task "crash-ingest" (a
// file:// source, created by the first run) through the TaskService the daemon uses, with the
// given BytesPerSecond. At each of the service's execution.progress events it prints
// "F <FilesTransferred>" (files committed so far: the counter moves once Journal.writeFile has
// resolved) and "P <BytesTransferred>"; at the end, "DONE <status> <execution JSON>". The parent
// SIGKILLs it at random moments.
import { readFile } from 'node:fs/promises';
import { Device } from '../../appliance/lifecycle/device.js';
import { TaskService } from '../../appliance/tasks/task-service.js';

const [dataDir, manifestPath, code, sourceUri, bytesPerSecond] = process.argv.slice(2) as [string, string, string, string, string];
const TASK_NAME = 'crash-ingest';

const device = await Device.load(dataDir);
await device.unlock(await readFile(manifestPath), code);
const tasks = new TaskService({
  device,
  scheduleCheckMs: 0,
  progressIntervalMs: 100,
  events: {
    publish: (type, data) => {
      if (type === 'execution.progress') process.stdout.write(`F ${String(data.FilesTransferred)}\nP ${String(data.BytesTransferred)}\n`);
    },
  },
});
device.setExecutionControl(tasks);
const task = (await tasks.listTasks()).find((t) => t.Name === TASK_NAME) ?? (await tasks.createTask({ Name: TASK_NAME, SourceLocationUri: sourceUri }));
const started = await tasks.startExecution(task.TaskId, { BytesPerSecond: Number(bytesPerSecond) });
const ended = await tasks.waitExecution(started.TaskExecutionId);
await tasks.close();
await device.close();
process.stdout.write(`DONE ${ended.Status} ${JSON.stringify(ended)}\n`);
