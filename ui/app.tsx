// The terminal UI: a row of screens, one shown at a time, switched with digits or Tab; a line of
// keys for the screen; a line saying whether the daemon answers. Keyboard only.
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useCallback, useEffect, useRef, useState } from 'react';
import { formatDuration } from './data/format.js';
import { noJournalReason, noTasksReason } from './data/lifecycle-hints.js';
import { valueOf, type Actions, type Snapshot, type UiStore } from './data/store.js';
import type { DeviceStatus } from './data/views.js';
import { useSnapshot } from './data/use-snapshot.js';
import { DashboardScreen } from './screens/dashboard-screen.js';
import { DeviceScreen } from './screens/device-screen.js';
import { HelpScreen } from './screens/help-screen.js';
import { ImportScreen } from './screens/import-screen.js';
import { JournalScreen } from './screens/journal-screen.js';
import { LabelScreen } from './screens/label-screen.js';
import { RestoreScreen } from './screens/restore-screen.js';
import type { ScreenProps } from './screens/screen-props.js';
import { TasksScreen } from './screens/tasks-screen.js';
import { UnlockScreen } from './screens/unlock-screen.js';
import { ScreenErrorBoundary } from './widgets/error-boundary.js';
import { ThemeContext, useColor, type Theme } from './widgets/theme.js';
import { useRefState } from './widgets/use-ref-state.js';

export const SCREENS = [
  { id: 'dashboard', key: '1', title: 'Dashboard', hints: '' },
  { id: 'unlock', key: '2', title: 'Unlock', hints: 'Enter next field/unlock  Tab field  Up/Down pick manifest' },
  { id: 'tasks', key: '3', title: 'Tasks', hints: 'Up/Down select  n new  s start  c cancel  b bandwidth' },
  { id: 'journal', key: '4', title: 'Journal', hints: 'v verify' },
  { id: 'import', key: '5', title: 'Import', hints: 'i import  s start sync  x stop sync' },
  { id: 'device', key: '6', title: 'Device', hints: '' },
  { id: 'label', key: '7', title: 'Label', hints: 'L lock (when on site)' },
  { id: 'restore', key: '8', title: 'Restore', hints: 'Up/Down point  t target  r restore  c cancel' },
  { id: 'help', key: '?', title: 'Help', hints: '' },
] as const;
export type ScreenId = (typeof SCREENS)[number]['id'];

/** A screen's keys, without the ones the daemon would refuse in this state (verify without keys, tasks off site). */
function screenHints(id: ScreenId, status: DeviceStatus | undefined): string {
  const screen = SCREENS.find((s) => s.id === id)!;
  if (status === undefined) return screen.hints;
  if ((id === 'journal' || id === 'restore') && noJournalReason(status) !== undefined) return '';
  if (id === 'tasks' && noTasksReason(status) !== undefined) return 'Up/Down select';
  return screen.hints;
}

export interface AppViewProps {
  readonly snap: Snapshot;
  readonly actions: Actions;
  readonly manifestCandidates?: readonly string[];
  readonly initialScreen?: ScreenId;
  readonly width?: number;
  readonly height?: number;
  readonly onQuit?: () => void;
}

const tabText = (s: (typeof SCREENS)[number]): string => `${s.key} ${s.title === 'Dashboard' ? 'Dash' : s.title}`;

/** The row of screens; one space between them when two do not fit in the width (80 columns). */
function Tabs(props: { current: ScreenId; width: number }) {
  const color = useColor();
  const roomy = SCREENS.reduce((n, s) => n + tabText(s).length + 2, 0) <= props.width;
  return (
    <Text wrap="truncate-end">
      {SCREENS.map((s, i) => {
        const text = tabText(s);
        const sep = roomy || i === 0 ? '' : ' ';
        return s.id === props.current ? (
          <Text key={s.id}>
            {sep}
            <Text bold inverse={color('x') !== undefined}>{`[${text}]`}</Text>
          </Text>
        ) : (
          <Text key={s.id}>{roomy ? ` ${text} ` : `${sep}${text}`}</Text>
        );
      })}
    </Text>
  );
}

function ConnectionLine(props: { snap: Snapshot }) {
  const color = useColor();
  const c = props.snap.connection;
  const state = valueOf(props.snap.status)?.state;
  if (!c.online) {
    const why = c.lastError?.message ?? 'connecting';
    return (
      <Text color={color('red')} wrap="truncate-end">
        {`OFFLINE ${c.retryInMs === undefined ? '' : `retry in ${formatDuration(Math.ceil(c.retryInMs / 1000))}`}: ${why}`}
      </Text>
    );
  }
  return <Text wrap="truncate-end">{`online ${c.location ?? ''}  ${state ?? ''}  events ${c.events}`}</Text>;
}

export function AppView(props: AppViewProps) {
  const { snap, actions } = props;
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [size, setSize] = useState({ width: props.width ?? stdout.columns ?? 80, height: props.height ?? stdout.rows ?? 24 });
  const [screen, setScreen] = useState<ScreenId>(props.initialScreen ?? (valueOf(snap.status)?.state === 'LOCKED' ? 'label' : 'dashboard'));
  const [capturing, setCapturing, isCapturing] = useRefState(false);
  const setCapture = useCallback((c: boolean) => setCapturing(c), [setCapturing]);
  const lastState = useRef(valueOf(snap.status)?.state);

  useEffect(() => {
    if (props.width !== undefined || typeof stdout.on !== 'function') return;
    const onResize = (): void => setSize({ width: stdout.columns ?? 80, height: stdout.rows ?? 24 });
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, props.width]);

  // The label is what a locked device shows; an unlocked one goes back to the dashboard.
  const state = valueOf(snap.status)?.state;
  useEffect(() => {
    if (state !== lastState.current) {
      if (state === 'LOCKED') setScreen('label');
      else if (lastState.current === 'LOCKED' && screen === 'label') setScreen('dashboard');
      else if (lastState.current !== undefined && screen === 'unlock' && valueOf(snap.status)?.unlocked) setScreen('dashboard');
      lastState.current = state;
    }
  }, [state, screen, snap.status]);

  useInput((input, key) => {
    if (key.ctrl && input === 'c') {
      props.onQuit?.();
      exit();
      return;
    }
    if (isCapturing()) return;
    if (input === 'q') {
      props.onQuit?.();
      exit();
      return;
    }
    const byKey = SCREENS.find((s) => s.key === input) ?? (input === 'h' ? SCREENS.find((s) => s.id === 'help') : undefined);
    if (byKey) {
      setScreen(byKey.id);
      return;
    }
    if (key.tab || key.rightArrow || key.leftArrow) {
      const i = SCREENS.findIndex((s) => s.id === screen);
      const step = (key.tab && key.shift) || key.leftArrow ? SCREENS.length - 1 : 1;
      setScreen(SCREENS[(i + step) % SCREENS.length]!.id);
    }
  });

  const contentHeight = Math.max(5, size.height - 4);
  const screenProps: ScreenProps = { snap, actions, width: size.width, height: contentHeight, active: true, setCapture };
  const current = SCREENS.find((s) => s.id === screen)!;
  const hints = screenHints(current.id, valueOf(snap.status));
  return (
    <Box flexDirection="column" width={size.width}>
      <Tabs current={screen} width={size.width} />
      <Box flexDirection="column" height={contentHeight} overflow="hidden">
        <ScreenErrorBoundary key={screen} name={current.title}>
        {screen === 'dashboard' ? <DashboardScreen {...screenProps} /> : null}
        {screen === 'unlock' ? <UnlockScreen {...screenProps} manifestCandidates={props.manifestCandidates ?? []} /> : null}
        {screen === 'tasks' ? <TasksScreen {...screenProps} /> : null}
        {screen === 'journal' ? <JournalScreen {...screenProps} /> : null}
        {screen === 'import' ? <ImportScreen {...screenProps} /> : null}
        {screen === 'device' ? <DeviceScreen {...screenProps} /> : null}
        {screen === 'label' ? <LabelScreen {...screenProps} /> : null}
        {screen === 'restore' ? <RestoreScreen {...screenProps} /> : null}
        {screen === 'help' ? <HelpScreen /> : null}
        </ScreenErrorBoundary>
      </Box>
      <Text wrap="truncate-end">{capturing ? `${hints}  Esc back` : `${hints}${hints ? '  ' : ''}1-8 screens  ? help  q quit`}</Text>
      <ConnectionLine snap={snap} />
    </Box>
  );
}

export interface AppProps extends Omit<AppViewProps, 'snap' | 'actions'> {
  readonly store: Pick<UiStore, 'subscribe' | 'getSnapshot'> & Actions;
  readonly theme: Theme;
}

export function App({ store, theme, ...rest }: AppProps) {
  const snap = useSnapshot(store);
  return (
    <ThemeContext.Provider value={theme}>
      <AppView snap={snap} actions={store} {...rest} />
    </ThemeContext.Provider>
  );
}
