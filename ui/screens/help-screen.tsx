// Help: every key, by screen. docs/ui.md lists the same table.
import { Box, Text } from 'ink';

export const GLOBAL_KEYS: readonly (readonly [string, string])[] = [
  ['1..8', 'Dash, Unlock, Tasks, Journal, Import, Device, Label, Restore'],
  ['Tab / Shift+Tab', 'next / previous screen'],
  ['? or h', 'this help'],
  ['q or Ctrl+C', 'quit the UI (the daemon keeps running)'],
  ['Esc', 'leave a form or a question'],
];

export const SCREEN_KEYS: readonly (readonly [string, string, string])[] = [
  ['Unlock', 'type, Enter', 'manifest path, then the code (masked); Enter unlocks'],
  ['Unlock', 'Up/Down, Tab', 'pick a manifest file found on media; switch field'],
  ['Tasks', 'Up/Down', 'select a task'],
  ['Tasks', 'n', 'new task: name, source URI, includes, excludes, options'],
  ['Tasks', 's / c', 'start the task / cancel its running execution (y)'],
  ['Tasks', 'b', 'change the running execution\'s bandwidth (50M, off)'],
  ['Journal', 'v', 'verify the whole journal'],
  ['Import', 'i / s / x', 'start import / start online sync / stop sync'],
  ['Label', 'L then y', 'lock the device for shipping (c: cancel running)'],
  ['Restore', 'Up/Down, t', 'pick a recovery point; t: target file:///path or nfs://..., filters'],
  ['Restore', 'r / c, y', 'restore the point into the target / cancel the restore'],
];

export function HelpScreen() {
  return (
    <Box flexDirection="column">
      <Text bold>Keys everywhere</Text>
      {GLOBAL_KEYS.map(([k, what]) => (
        <Text key={k}>{`  ${k.padEnd(16)}${what}`}</Text>
      ))}
      <Text bold>Keys on a screen</Text>
      {SCREEN_KEYS.map(([screen, k, what], i) => (
        <Text key={i} wrap="truncate-end">{`  ${screen.padEnd(8)}${k.padEnd(13)}${what}`}</Text>
      ))}
      <Text>The UI reconnects by itself when the daemon restarts.</Text>
    </Box>
  );
}
