// The Prometheus text exposition format, version 0.0.4 (prometheus.io/docs/instrumenting/
// exposition_formats): `# HELP`, `# TYPE`, then `name{label="value",...} number` lines.
// "label_value can be any sequence of UTF-8 characters, but the backslash (\), double-quote ("),
// and line feed (\n) characters have to be escaped as \\, \", and \n, respectively."
// A summary: "Each quantile of a summary named x is given as a separate sample line with the same
// name x and a label {quantile="y"}. The samples sum and count are given as x_sum and x_count."

export type MetricType = 'counter' | 'gauge' | 'summary';

export interface Sample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One series of a summary: its quantiles (φ in [0, 1] to value), the sum and the count of the observations. */
export interface SummarySample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly quantiles: ReadonlyArray<readonly [quantile: number, value: number]>;
  readonly sum: number;
  readonly count: number;
}

interface FamilyBase {
  readonly name: string;
  readonly help: string;
}

export interface ScalarFamily extends FamilyBase {
  readonly type: 'counter' | 'gauge';
  readonly samples: readonly Sample[];
}

export interface SummaryFamily extends FamilyBase {
  readonly type: 'summary';
  readonly samples: readonly SummarySample[];
}

export type MetricFamily = ScalarFamily | SummaryFamily;

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function escapeHelp(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
}

function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

function formatLabels(labels: Readonly<Record<string, string>> = {}): string {
  const entries = Object.entries(labels);
  for (const [k] of entries) if (!LABEL.test(k)) throw new Error(`invalid label name ${k}`);
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

function sampleLines(f: MetricFamily): string[] {
  if (f.type !== 'summary') return f.samples.map((s) => `${f.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  return f.samples.flatMap((s) => {
    if (s.labels && 'quantile' in s.labels) throw new Error(`${f.name}: quantile is the summary's own label`);
    return [
      ...s.quantiles.map(([q, v]) => `${f.name}${formatLabels({ ...s.labels, quantile: String(q) })} ${formatValue(v)}`),
      `${f.name}_sum${formatLabels(s.labels)} ${formatValue(s.sum)}`,
      `${f.name}_count${formatLabels(s.labels)} ${formatValue(s.count)}`,
    ];
  });
}

/** Families with no samples are left out (a scraper treats a missing series as absent). */
export function formatPrometheus(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    if (!NAME.test(f.name)) throw new Error(`invalid metric name ${f.name}`);
    if (f.samples.length === 0) continue;
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`, ...sampleLines(f));
  }
  return `${out.join('\n')}\n`;
}
