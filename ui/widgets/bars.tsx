// Progress bar, capacity gauge and sparkline: drawn with characters that read in black and white.
import { Text } from 'ink';
import { formatPercent } from '../data/format.js';
import { useColor } from './theme.js';

export function barText(done: number, total: number, width: number): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(Math.max(0, width - filled))}]`;
}

export function ProgressBar(props: { done: number; total: number; width: number; label?: string }) {
  const color = useColor();
  const pct = formatPercent(props.done, props.total).padStart(4);
  return (
    <Text>
      {props.label === undefined ? '' : `${props.label} `}
      <Text color={color('green')}>{barText(props.done, props.total, props.width)}</Text> {pct}
    </Text>
  );
}

const SPARKS = '▁▂▃▄▅▆▇█';

export function sparklineText(values: readonly number[], width: number): string {
  const shown = values.slice(-width);
  const max = Math.max(...shown, 0);
  if (shown.length === 0) return '';
  return shown.map((v) => (max <= 0 ? SPARKS[0] : SPARKS[Math.min(SPARKS.length - 1, Math.floor((v / max) * (SPARKS.length - 1)))])).join('');
}

export function Sparkline(props: { values: readonly number[]; width: number }) {
  const color = useColor();
  return <Text color={color('cyan')}>{sparklineText(props.values, props.width)}</Text>;
}

/** A capacity gauge: used of total, turning red (and saying FULL) above 90%. */
export function Gauge(props: { used: number; total: number; width: number; label: string }) {
  const color = useColor();
  const fraction = props.total > 0 ? props.used / props.total : 0;
  const warn = fraction >= 0.9;
  return (
    <Text>
      {props.label} <Text color={color(warn ? 'red' : 'green')}>{barText(props.used, props.total, props.width)}</Text> {formatPercent(props.used, props.total).padStart(4)}
      {warn ? ' NEARLY FULL' : ''}
    </Text>
  );
}
