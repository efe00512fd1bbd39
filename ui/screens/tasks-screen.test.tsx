import { describe, expect, it } from 'vitest';
import { busySnapshot, execution, fakeActions, NOW, status, task } from '../testing/fixtures.js';
import { KEYS, renderUi } from '../testing/render.js';
import { parseBytesPerSecond } from '../../appliance/tasks/options.js';
import { bytesPerSecond, parseOptions, TasksScreen } from './tasks-screen.js';

const base = { width: 80, height: 20, active: true, setCapture: () => {} };

describe('Tasks', () => {
  it('lists tasks with their source, status and last run, and details the selected one', async () => {
    const ui = await renderUi(<TasksScreen {...base} snap={busySnapshot()} actions={fakeActions()} />);
    const f = ui.frame();
    expect(f).toMatch(/> projects\s+nfs:\/\/10\.0\.0\.5\/export\/projec\S*\s+RUNNING\s+TRANSFERRING 37%/);
    expect(f).toMatch(/ {2}home\s+nfs:\/\/10\.0\.0\.5\/export\/home\s+AVAILABLE\s+-/);
    expect(f).toContain('Includes /projects*  Excludes */.snapshot|*.tmp');
    expect(f).toContain('Execution exec-0a1b2c3d TRANSFERRING  37%  48.0 MiB/s  limit unlimited');
    await ui.type(KEYS.down);
    expect(ui.frame()).toContain('Task task-99aa00bb: nfs://10.0.0.5/export/home');
    expect(ui.frame()).toContain('No execution yet: press s to start one.');
  });

  it('creates a task from a source URI with filters and options', async () => {
    const actions = fakeActions();
    const ui = await renderUi(<TasksScreen {...base} snap={busySnapshot()} actions={actions} />);
    await ui.type('n');
    expect(ui.frame()).toContain('New ingest task');
    await ui.type('share', KEYS.enter, 'nfs://127.0.0.1/export?nfsport=2049&mountport=2050', KEYS.enter, '/data*', KEYS.enter, '*.tmp|*/.snapshot', KEYS.enter);
    await ui.type('VerifyMode=ONLY_FILES_TRANSFERRED BytesPerSecond=50M TransferMode=ALL', KEYS.enter);
    expect(actions.calls).toEqual([
      [
        'createTask',
        {
          name: 'share',
          source: 'nfs://127.0.0.1/export?nfsport=2049&mountport=2050',
          includes: '/data*',
          excludes: '*.tmp|*/.snapshot',
          options: { VerifyMode: 'ONLY_FILES_TRANSFERRED', BytesPerSecond: 50 * 1024 * 1024, TransferMode: 'ALL' },
        },
      ],
    ]);
    expect(ui.frame()).toContain('createTask done');
    expect(ui.frame()).not.toContain('New ingest task');
  });

  it('shows the daemon\'s refusal of a task and keeps the form', async () => {
    const actions = fakeActions({ createTask: { ok: false, error: { code: 'INVALID_ARGUMENT', message: 'SourceLocationUri must be nfs:// or file://' } } });
    const ui = await renderUi(<TasksScreen {...base} snap={busySnapshot()} actions={actions} />);
    await ui.type('n', 'x', KEYS.enter, 'ftp://nope', KEYS.enter, KEYS.enter, KEYS.enter, KEYS.enter);
    expect(ui.frame()).toContain('Error: SourceLocationUri must be nfs:// or file:// [INVALID_ARGUMENT]');
    expect(ui.frame()).toContain('New ingest task');
  });

  it('starts a task, cancels its execution after a yes, and changes the bandwidth of the running one', async () => {
    const actions = fakeActions();
    const ui = await renderUi(<TasksScreen {...base} snap={busySnapshot()} actions={actions} />);
    await ui.type('s');
    await ui.type('c');
    expect(ui.frame()).toContain('Cancel execution exec-0a1b2c3d? y = yes');
    await ui.type('y');
    await ui.type('b');
    expect(ui.frame()).toContain('New limit for exec-0a1b2c3d');
    await ui.type('10M', KEYS.enter);
    expect(actions.calls).toEqual([
      ['startTask', 'task-5e6f7a8b'],
      ['cancelExecution', 'exec-0a1b2c3d'],
      ['setBandwidth', 'exec-0a1b2c3d', 10 * 1024 * 1024],
    ]);
    expect(ui.frame()).toContain('setBandwidth done');
  });

  it('refuses a bandwidth it cannot read, and cancel or bandwidth without a running execution', async () => {
    const done = execution({ status: 'SUCCESS' });
    const actions = fakeActions();
    const ui = await renderUi(<TasksScreen {...base} snap={busySnapshot()} actions={actions} />);
    await ui.type('b', 'fast', KEYS.enter);
    expect(ui.frame()).toContain('Error: Option BytesPerSecond must be -1 (no limit) or a positive rate: whole bytes per second, or');
    expect(ui.frame()).toContain('got "fast" [INVALID_ARGUMENT]');
    const idle = await renderUi(<TasksScreen {...base} snap={busySnapshot({ executions: { state: 'ok', value: [done], at: NOW }, current: done })} actions={actions} />);
    await idle.type('c');
    expect(idle.frame()).toContain('no running execution for this task [INVALID_STATE]');
    expect(actions.calls).toEqual([]);
  });

  it('says when the daemon has no task routes, and when there is no task yet', async () => {
    const none = await renderUi(<TasksScreen {...base} snap={busySnapshot({ tasks: { state: 'unavailable' } })} actions={fakeActions()} />);
    expect(none.frame()).toContain('Tasks: not available on this daemon');
    const empty = await renderUi(<TasksScreen {...base} snap={busySnapshot({ tasks: { state: 'ok', value: [], at: NOW } })} actions={fakeActions()} />);
    expect(empty.frame()).toContain('No tasks yet: press n to create one from a source URI.');
    const failing = await renderUi(<TasksScreen {...base} snap={busySnapshot({ tasks: { state: 'error', error: { code: 'DEVICE_LOCKED', message: 'the device holds no keys' }, value: [task()] } })} actions={fakeActions()} />);
    expect(failing.frame()).toContain('Tasks: the device holds no keys [DEVICE_LOCKED]');
    expect(failing.frame()).toContain('projects');
  });

  it('parses options typed as Key=Value', () => {
    expect(parseOptions('LogLevel=TRANSFER, BytesPerSecond=off Uid=NONE')).toEqual({ options: { LogLevel: 'TRANSFER', BytesPerSecond: -1, Uid: 'NONE' } });
    expect(parseOptions('Verify')).toEqual({ error: 'option "Verify" is not Key=Value' });
  });

  it('off site says why tasks do not run instead of offering n and s; ERASED never says "unlock with the manifest" (issue 26)', async () => {
    const locked = busySnapshot({
      status: { state: 'ok', value: status({ state: 'LOCKED', snowballJobState: 'InTransitToAWS', unlocked: false }), at: NOW },
      tasks: { state: 'error', error: { code: 'DEVICE_LOCKED', message: 'the device holds no key: tasks are kept encrypted in the journal; unlock it with the manifest and the unlock code' } },
    });
    const ui = await renderUi(<TasksScreen {...base} snap={locked} actions={fakeActions()} />);
    expect(ui.frame()).toContain('Tasks: ingest tasks run only on site (ON_SITE); the device is LOCKED.');
    expect(ui.frame()).not.toContain('press n');
    const erased = busySnapshot({
      status: { state: 'ok', value: status({ state: 'ERASED', snowballJobState: 'Complete', unlocked: false }), at: NOW },
      tasks: { state: 'error', error: { code: 'DEVICE_LOCKED', message: 'the device holds no key: tasks are kept encrypted in the journal; unlock it with the manifest and the unlock code' } },
    });
    const gone = await renderUi(<TasksScreen {...base} snap={erased} actions={fakeActions()} />);
    expect(gone.frame()).toContain('Tasks: the device is erased: the journal that held the tasks is crypto-erased.');
    expect(gone.frame()).not.toContain('unlock it with the manifest');
    expect(gone.frame()).not.toContain('press n');
  });

  it('reads BytesPerSecond in the forms the CLI accepts, with its parser and its message (issue 26)', async () => {
    for (const text of ['50M', '50MiB', '1.5G', '800k', '1048576', '-1', 'off', 'unlimited', '50M/s']) expect(bytesPerSecond(text)).toEqual({ value: parseBytesPerSecond(text) });
    for (const text of ['0', 'fast', '-5']) expect(() => parseBytesPerSecond(text)).toThrow(/BytesPerSecond/);
    const actions = fakeActions();
    const ui = await renderUi(<TasksScreen {...base} snap={busySnapshot()} actions={actions} />);
    await ui.type('n', 'home', KEYS.enter, 'file:///home', KEYS.enter, KEYS.enter, KEYS.enter, 'BytesPerSecond=fast', KEYS.enter);
    expect(ui.frame()).toContain('Error: Option BytesPerSecond must be -1 (no limit) or a positive rate');
    expect(ui.frame()).not.toContain('is not a rate (50M, 800k, off)');
    expect(actions.calls).toEqual([]);
    await ui.type(...Array<string>(4).fill(KEYS.backspace), '1.5G', KEYS.enter);
    expect(actions.calls).toEqual([['createTask', { name: 'home', source: 'file:///home', includes: '', excludes: '', options: { BytesPerSecond: 1.5 * 1024 ** 3 } }]]);
  });
});
