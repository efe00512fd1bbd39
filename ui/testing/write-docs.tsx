// Writes docs/ui.md: each screen captured at 80x24 (rendered from the fixtures the screen tests
// use, keys typed where a screen needs them), the captures the tmux test kept from a real daemon
// (FLOE_UI_CAPTURES=DIR when it ran), and the key tables the Help screen shows.
//   node_modules/.bin/tsx ui/testing/write-docs.tsx [captures-dir]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppView, SCREENS, type ScreenId } from '../app.js';
import type { Actions, Snapshot } from '../data/store.js';
import { GLOBAL_KEYS, SCREEN_KEYS } from '../screens/help-screen.js';
import { busySnapshot, execution, fakeActions, importingSnapshot, LABEL, NOW, restoreRun, status } from './fixtures.js';
import { KEYS, renderUi } from './render.js';

const WIDTH = 80;
const HEIGHT = 24;

async function capture(snap: Snapshot, screen: ScreenId, keys: string[][] = [], actions: Actions = fakeActions()): Promise<string> {
  const ui = await renderUi(<AppView snap={snap} actions={actions} initialScreen={screen} width={WIDTH} height={HEIGHT} />);
  for (const k of keys) await ui.type(...k);
  const text = ui.frame();
  ui.unmount();
  const lines = text.split('\n').map((l) => l.trimEnd());
  while (lines.length < HEIGHT) lines.push('');
  return lines.slice(0, HEIGHT).join('\n');
}

function block(title: string, text: string, note = ''): string {
  return `### ${title}\n\n${note ? `${note}\n\n` : ''}\`\`\`text\n${text.replace(/\n+$/, '')}\n\`\`\`\n`;
}

const locked = busySnapshot({
  status: { state: 'ok', value: status({ state: 'LOCKED', snowballJobState: 'InTransitToAWS', unlocked: false, sealFingerprint: LABEL.sealFingerprint }), at: NOW },
  label: { state: 'ok', value: LABEL, at: NOW },
  current: execution({ status: 'SUCCESS', bytesWritten: 4 * 1024 ** 3, filesTransferred: 12000 }),
});
const wrongCode = fakeActions({ unlock: { ok: false, error: { code: 'WRONG_UNLOCK_CODE', message: 'the unlock code does not open this manifest', details: { retryAfterSeconds: 30 } } } });
const verified = busySnapshot({ verify: { running: false, result: { ok: true, files: 5400, records: 9600, problems: [] } } });
const offline = busySnapshot({
  connection: { online: false, everOnline: true, events: 'reconnecting', retryInMs: 2000, lastError: { code: 'UNAVAILABLE', message: 'the floe daemon at http://127.0.0.1:4780 is not answering (ECONNREFUSED): is floe serve running?' } },
});

const sections: string[] = [];
sections.push(block('Dashboard', await capture(busySnapshot(), 'dashboard'), 'An ingest running on site: the lifecycle banner, the execution\'s phase, progress, throughput with its sparkline, ETA, counters and the last errors.'));
sections.push(block('Dashboard, daemon restarting', await capture(offline, 'dashboard'), 'The last known state stays on screen; the bottom line says why the daemon does not answer and when the UI tries again.'));
sections.push(
  block(
    'Unlock, after a wrong code',
    await capture(locked, 'unlock', [['/media/usb/JID123e4567-e89b-42d3-a456-426655440000_manifest.bin'], [KEYS.enter], ['ABCDE-FGHJK-LMNPQ-RSTUV-WXYZ3'], [KEYS.enter]], wrongCode),
    'The code is typed masked; the error names its code, and the delay before the next attempt counts down.',
  ),
);
sections.push(block('Tasks', await capture(busySnapshot(), 'tasks')));
sections.push(
  block(
    'Tasks, new task form',
    await capture(busySnapshot(), 'tasks', [['n'], ['home'], [KEYS.enter], ['nfs://10.0.0.5/export/home'], [KEYS.enter], ['/alice*|/bob*'], [KEYS.enter], ['*/.snapshot|*.tmp'], [KEYS.enter], ['VerifyMode=ONLY_FILES_TRANSFERRED BytesPerSecond=50M']]),
  ),
);
sections.push(block('Tasks, changing the bandwidth of the running execution', await capture(busySnapshot(), 'tasks', [['b'], ['20M']])));
sections.push(block('Journal, after a verify', await capture(verified, 'journal')));
sections.push(block('Import and sync, at the facility', await capture(importingSnapshot(), 'import')));
sections.push(block('Device', await capture(busySnapshot(), 'device')));
const restoring = busySnapshot({
  restoreStatus: { state: 'ok', at: NOW, value: restoreRun() },
  restoreThroughput: { executionId: restoreRun().executionId!, current: 96 * 1024 ** 2, history: [96 * 1024 ** 2], etaSeconds: 29 },
});
sections.push(block('Restore, confirming a restore of the oldest point', await capture(busySnapshot(), 'restore', [[KEYS.up, KEYS.up], ['t'], ['file:///mnt/restore/projects'], [KEYS.enter], ['/projects*'], [KEYS.esc], ['r']])));
sections.push(block('Restore, running', await capture(restoring, 'restore')));
sections.push(
  block(
    'Restore, completed with errors',
    await capture(
      busySnapshot({
        restoreStatus: {
          state: 'ok',
          at: NOW,
          value: restoreRun({
            status: 'COMPLETED_WITH_ERRORS',
            endedAt: '2026-11-30T09:59:30.000Z',
            destinations: [{ uri: 'file:///mnt/restore/projects', status: 'ERROR', filesDone: 11798, filesTotal: 11800, bytesDone: 3.9 * 1024 ** 3, bytesTotal: 3.9 * 1024 ** 3, filesFailed: 2, errorCode: 'CHECKSUM_MISMATCH', errorDetail: '2 files failed: the journal chunk does not match its SHA-256' }],
          }),
        },
      }),
      'restore',
    ),
  ),
);
sections.push(block('Shipping label (LOCKED)', await capture(locked, 'label'), 'Shown by itself when the device locks. The QR code holds the job id and the seal fingerprint, uppercased and separated by a space (QR alphanumeric mode, error correction L); light modules are drawn filled so that it reads dark-on-light on the console.'));
sections.push(block('Help', await capture(busySnapshot(), 'help')));

const capturesDir = process.argv[2];
const real: string[] = [];
const REAL = [
  ['unlock', 'Unlock, code typed (masked)'],
  ['tasks', 'Tasks, the ingest just started'],
  ['dashboard-running', 'Dashboard while the ingest runs'],
  ['dashboard-done', 'Dashboard at 100%'],
  ['journal', 'Journal after the ingest'],
  ['label', 'Shipping label after lock'],
  ['offline', 'Daemon stopped: the UI waits and reconnects'],
] as const;
// The test's temporary data folder reads as a device's.
const neutral = (text: string): string => text.replace(/\/tmp\/floe-[A-Za-z0-9-]+/g, '/srv/floe');
if (capturesDir) for (const [file, title] of REAL) if (existsSync(join(capturesDir, `${file}.txt`))) real.push(block(title, neutral(readFileSync(join(capturesDir, `${file}.txt`), 'utf8'))));

const keyRows = (rows: readonly (readonly string[])[], header: string[]): string =>
  [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`)].join('\n');

const doc = `# floe ui: the technician's terminal UI

\`floe ui [--data DIR]\` (or \`FLOE_DATA=DIR\`) shows the device's daemon (\`floe serve\`) on the console or over SSH.
It is a client of the local API and its event stream: it polls once a second, follows \`GET /v1/events\`,
and when the daemon stops or restarts it says so on its bottom line and reconnects by itself
(backoff from 0.25 s to 5 s; it reads \`<data>/device/daemon.json\` again, as a restarted daemon may listen elsewhere).
An API error is shown where it happened, with its code; a route this daemon does not have shows
"not available on this daemon". Quitting the UI leaves the daemon running.

Keyboard only. Usable at 80x24. Colour is only a help: every state is also spelled out, and
\`NO_COLOR=1\` turns colour off. \`CI\` and \`CONTINUOUS_INTEGRATION\` are ignored: ink, which draws
the UI, would otherwise draw nothing until the UI exits, and \`floe ui\` always has a person at a
terminal. Manifest files named \`*_manifest.bin\` in the working folder, its
parent and on inserted media (\`/media\`, \`/mnt\`, \`/run/media\`) are offered on the Unlock screen.

What the screens count. Ingest counts files (folders not counted); the journal counts entries, one
per file, folder and link, so it shows more; an import counts journal entries. Disk use is \`df\`'s
Use%, used / (used + available), the same on Device and Journal (ui/data/disk-usage.ts). While an
execution verifies, its bar is labelled Verifying and counts files verified of files to verify, in
files/s. "Last errors" on the dashboard lists the daemon's errors only (error and warning events,
the execution's ErrorCode, its skipped and failed files); a refused input (a typo in a form, a wrong
unlock code) is answered on the screen where it was typed. Each screen offers only what the
lifecycle state allows: tasks on site with the keys, verify with the keys, import at the facility.

## Restore

The Restore screen (8) lists the recovery points (\`GET /v1/journal/points\`: each ingest execution
that ended, oldest first, with its end time, task, end status, entries and bytes); the newest is
picked, Up/Down picks another. t opens the fields: the target folder (\`file:///path\`, a mounted
share through its mount), then optional includes and excludes (SIMPLE_PATTERN, \`|\`-separated);
Enter goes to the next field, Esc leaves them. r asks to confirm, y sends \`POST /v1/restore\` with
\`{point, target}\` and the filters that are not empty. The running restore is shown as the Import
screen shows an import (same lines, rate and ETA from the same meter), from \`GET /v1/restore\` and
the \`restore.progress\` and \`restore.status\` events; c then y cancels it (what is written stays,
r again resumes). Its end state stays on screen with the run's error or each destination's
ErrorCode. Without the job keys the daemon lists no point (DEVICE_LOCKED): the screen says so and
how to unlock, instead of an empty list.

## Keys

${keyRows(GLOBAL_KEYS, ['key', 'what it does'])}

${keyRows(SCREEN_KEYS, ['screen', 'key', 'what it does'])}

The bottom lines of each screen repeat its keys:

${keyRows(
  SCREENS.map((s) => [s.key, s.title, s.hints || '(display only)']),
  ['key', 'screen', 'keys on it'],
)}

## Screens at 80x24

Rendered from the fixtures of the screen tests (\`ui/testing/fixtures.ts\`) by
\`node_modules/.bin/tsx ui/testing/write-docs.tsx\`.

${sections.join('\n')}
${
  real.length === 0
    ? ''
    : `## Captured from a real daemon

Captured by the tmux test (\`test/ui/tmux.test.ts\`, tmux 80x24, \`NO_COLOR=1\`) against \`floe serve\` and
nfs-ganesha: unlock, an ingest of 21 files (24 MiB at BytesPerSecond=4M), lock, restart.

${real.join('\n')}`
}`;

writeFileSync(join(process.cwd(), 'docs', 'ui.md'), doc);
process.stdout.write(`docs/ui.md: ${sections.length} screens${real.length ? `, ${real.length} real captures` : ''}\n`);
process.exit(0);
