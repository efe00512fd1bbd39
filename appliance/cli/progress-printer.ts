// One progress printer for `floe execution wait` and `floe import` (rclone's `-P` / `--stats`):
// samples in, lines out. Rate is measured over a sliding window (not since start), so a stall or a
// bandwidth change shows within seconds; percent and ETA follow from it. The printer does no I/O
// but writing to the stream it is given, and reads the time from the clock it is given.
import type { Command } from 'commander';
import { FloeError } from '../errors.js';
import { formatBytes, formatDuration, formatRate } from '../format/units.js';

export interface ProgressSample {
  /** The phase or status: QUEUED, TRANSFERRING, VERIFYING, ... */
  readonly phase: string;
  /** Files done in this phase (verified during VERIFYING) and the phase's total. */
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly failed: number;
}

export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressPrinterOptions {
  readonly stream: ProgressStream;
  /** NDJSON instead of text. */
  readonly json?: boolean;
  /** Without a TTY, a full line every this many milliseconds (plus at each phase change and at the end). */
  readonly statsIntervalMs?: number;
  /** The window the rate is measured over, in milliseconds. */
  readonly windowMs?: number;
  readonly now?: () => number;
}

/** The computed figures of one sample, as the JSON line carries them. */
export interface ProgressFigures extends ProgressSample {
  readonly bytesPerSecond: number | null;
  readonly percent: number;
  readonly etaSeconds: number | null;
  readonly elapsedSeconds: number;
}

export const DEFAULT_STATS_MS = 5000;
const DEFAULT_WINDOW_MS = 5000;

export class ProgressPrinter {
  readonly #stream: ProgressStream;
  readonly #json: boolean;
  readonly #tty: boolean;
  readonly #statsMs: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #start: number;
  #window: Array<{ t: number; bytes: number }> = [];
  #lastPhase: string | undefined;
  #lastPrinted = -Infinity;
  #lastTtyLine = '';
  #drawn = false;
  #latest: ProgressSample | undefined;

  constructor(options: ProgressPrinterOptions) {
    this.#stream = options.stream;
    this.#json = options.json === true;
    this.#tty = options.stream.isTTY === true && !this.#json;
    this.#statsMs = options.statsIntervalMs ?? DEFAULT_STATS_MS;
    this.#windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    this.#now = options.now ?? Date.now;
    this.#start = this.#now();
  }

  /** Records a sample; prints when the mode says so (every sample in a TTY, else by interval or phase change). */
  update(sample: ProgressSample): void {
    const t = this.#now();
    this.#latest = sample;
    // A new phase counts different bytes (verify re-reads): the rate starts over.
    const phaseChanged = sample.phase !== this.#lastPhase;
    if (phaseChanged) this.#window = [];
    this.#window.push({ t, bytes: sample.bytesDone });
    while (this.#window.length > 2 && t - this.#window[1]!.t >= this.#windowMs) this.#window.shift();
    const figures = this.figures(sample, t);
    if (this.#tty) {
      const line = textLine(figures);
      if (line !== this.#lastTtyLine) this.#stream.write(`\r${line}\x1b[K`);
      this.#lastTtyLine = line;
      this.#drawn = true;
    } else if (phaseChanged || t - this.#lastPrinted >= this.#statsMs) {
      this.#emit(figures);
      this.#lastPrinted = t;
    }
    this.#lastPhase = sample.phase;
  }

  /** The run ended: the last figures on their own line (after the redrawn one in a TTY). */
  finish(sample: ProgressSample | undefined = this.#latest): void {
    if (this.#tty && this.#drawn) this.#stream.write('\r\x1b[K');
    this.#drawn = false;
    if (sample === undefined) return;
    const t = this.#now();
    // A final status (SUCCESS after VERIFYING) counts different bytes than the last phase: no rate.
    if (sample.phase !== this.#lastPhase) this.#window = [];
    this.#window.push({ t, bytes: sample.bytesDone });
    this.#emit({ ...this.figures(sample, t), etaSeconds: 0 });
  }

  figures(sample: ProgressSample, t = this.#now()): ProgressFigures {
    const first = this.#window[0];
    const last = this.#window.at(-1);
    const span = first !== undefined && last !== undefined ? (last.t - first.t) / 1000 : 0;
    const bytesPerSecond = span > 0 ? Math.max(0, (last!.bytes - first!.bytes) / span) : null;
    const useBytes = sample.bytesTotal > 0;
    const done = useBytes ? sample.bytesDone : sample.filesDone;
    const total = useBytes ? sample.bytesTotal : sample.filesTotal;
    const percent = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
    const etaSeconds = bytesPerSecond !== null && bytesPerSecond > 0 && useBytes ? Math.max(0, Math.round((sample.bytesTotal - sample.bytesDone) / bytesPerSecond)) : null;
    return { ...sample, bytesPerSecond: bytesPerSecond === null ? null : Math.round(bytesPerSecond), percent, etaSeconds, elapsedSeconds: Math.round((t - this.#start) / 1000) };
  }

  #emit(f: ProgressFigures): void {
    this.#stream.write(this.#json ? `${JSON.stringify(jsonLine(f))}\n` : `${textLine(f)}\n`);
  }
}

/** `TRANSFERRING  12.0 MiB / 32.0 MiB, 37%, 2.00 MiB/s, ETA 10s; files 3/8, failed 0; elapsed 6s` */
export function textLine(f: ProgressFigures): string {
  const bytes = `${formatBytes(f.bytesDone)} / ${formatBytes(f.bytesTotal)}`;
  const rate = f.bytesPerSecond === null ? '-/s' : formatRate(f.bytesPerSecond);
  const eta = f.etaSeconds === null ? '-' : formatDuration(f.etaSeconds);
  return `${f.phase}  ${bytes}, ${f.percent}%, ${rate}, ETA ${eta}; files ${f.filesDone}/${f.filesTotal}, failed ${f.failed}; elapsed ${formatDuration(f.elapsedSeconds)}`;
}

/** camelCase keys, as every object floe itself defines (docs/api.md, "Names"); `failed` is `filesFailed`. */
export function jsonLine(f: ProgressFigures): Record<string, unknown> {
  return {
    type: 'progress',
    phase: f.phase,
    filesDone: f.filesDone,
    filesTotal: f.filesTotal,
    bytesDone: f.bytesDone,
    bytesTotal: f.bytesTotal,
    filesFailed: f.failed,
    bytesPerSecond: f.bytesPerSecond,
    percent: f.percent,
    etaSeconds: f.etaSeconds,
    elapsedSeconds: f.elapsedSeconds,
  };
}

/** `--stats 5s`, `200ms`, `1m`, or plain milliseconds; undefined when it is none of those. */
export function parseStatsInterval(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/u.exec(text);
  if (m === null) return undefined;
  const value = Number(m[1]);
  const ms = m[2] === 's' ? value * 1000 : m[2] === 'm' ? value * 60_000 : value;
  return ms > 0 ? Math.round(ms) : undefined;
}

/** `--stats DURATION` as the printer's interval: absent means the default, a bad value is a usage error. */
export function statsIntervalOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_STATS_MS;
  const ms = parseStatsInterval(text);
  if (ms === undefined) throw new FloeError('INVALID_ARGUMENT', `--stats takes a duration such as 200ms, 5s or 1m, not ${JSON.stringify(text)}`);
  return ms;
}

/** Adds `--stats <duration>` to a command that waits and prints progress. */
export function statsOption(cmd: Command): Command {
  return cmd.option('--stats <duration>', 'without a terminal, a progress line (on stderr) every DURATION (200ms, 5s, 1m) and at each phase change', '5s');
}
