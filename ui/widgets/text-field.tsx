// A one-line text field: the screen owns the value and feeds keys through editText().
import { Text, type Key } from 'ink';
import { useColor } from './theme.js';

/** The value after one key press, or undefined when the key is not an edit (Enter, Esc, arrows). */
export function editText(value: string, input: string, key: Key): string | undefined {
  if (key.backspace || key.delete) return value.slice(0, -1);
  if (key.return || key.escape || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.ctrl || key.meta) return undefined;
  // Pasted text arrives as one chunk; keep printable characters only.
  const printable = [...input].filter((ch) => ch >= ' ' && ch !== '\u007f').join('');
  return printable === '' ? undefined : value + printable;
}

export function TextField(props: { label: string; value: string; focused: boolean; masked?: boolean; width?: number; placeholder?: string }) {
  const color = useColor();
  const shown = props.masked ? '*'.repeat(props.value.length) : props.value;
  const width = props.width ?? 60;
  const visible = shown.length > width - 1 ? `…${shown.slice(-(width - 2))}` : shown;
  return (
    <Text wrap="truncate-end">
      {props.focused ? '> ' : '  '}
      {props.label}: <Text inverse={props.focused && color('x') !== undefined} underline={props.focused}>{visible === '' && !props.focused ? (props.placeholder ?? '') : visible}</Text>
      {props.focused ? '_' : ''}
    </Text>
  );
}
