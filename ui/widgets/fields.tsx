// Label/value rows, aligned, the way `floe status` prints them.
import { Box, Text } from 'ink';

export type Row = readonly [label: string, value: string | number | undefined];

export function Fields(props: { rows: readonly Row[]; labelWidth?: number }) {
  const rows = props.rows.filter(([, v]) => v !== undefined && v !== '');
  const width = props.labelWidth ?? Math.max(0, ...rows.map(([l]) => l.length)) + 2;
  return (
    <Box flexDirection="column">
      {rows.map(([label, value]) => (
        <Text key={label} wrap="truncate-end">
          {`${label}:`.padEnd(width)}
          {String(value)}
        </Text>
      ))}
    </Box>
  );
}
