// Task schedules, in UTC: DataSync's ScheduleExpression (EventBridge `cron(...)` and `rate(...)`,
// or the bare six cron fields the DataSync console takes) and plain five-field Unix cron.
//
// Sources:
//   - DataSync API "TaskSchedule": ScheduleExpression "Length Constraints: Maximum length of 256.
//     Pattern: ^[a-zA-Z0-9\ \_\*\?\,\|\^\-\/\#\s\(\)\+]*$".
//   - DataSync User Guide "Scheduling your DataSync task": cron "specified in UTC time", e.g.
//     `0 12 ? * SUN,WED *`; "Even with a cron expression, you can't schedule a task to run at an
//     interval faster than 1 hour." floe enforces that by default (option allowSubHourly).
//   - EventBridge "Schedule expressions for rules": six fields Minutes 0-59, Hours 0-23,
//     Day-of-month 1-31 (, - * ? / L W), Month 1-12 or JAN-DEC, Day-of-week 1-7 or SUN-SAT
//     (, - * ? L #), Year 1970-2199. "You can't specify the Day-of-month and Day-of-week fields in
//     the same cron expression. If you specify a value or a * in one of the fields, you must use a ?
//     in the other." "1/10 ... every tenth minute, starting from the first minute." "3W specifies
//     the weekday closest to the third day of the month." "3#2 ... the second Tuesday of the
//     month." "If you use the '#' character, you can define only one expression in the
//     day-of-week field." Rate: `rate(value unit)`, unit minute(s) | hour(s) | day(s); "If the
//     value is equal to 1, then the unit must be singular ... If the value is greater than 1, the
//     unit must be plural."
//   - Five-field cron follows Vixie cron: day-of-week 0-7 (0 and 7 are Sunday); when both day
//     fields are restricted a day matching either one runs.
// A rate schedule runs on a grid anchored at `anchorMs` (the Unix epoch unless given), so
// rate(1 hour) runs on each full hour UTC.

import { FloeError } from '../errors.js';

export type RateUnit = 'minute' | 'hour' | 'day';

export interface RateSchedule {
  readonly kind: 'rate';
  readonly expression: string;
  readonly value: number;
  readonly unit: RateUnit;
  readonly intervalMs: number;
  readonly anchorMs: number;
}

interface DayOfMonthSpec {
  readonly days: ReadonlySet<number>;
  readonly last: boolean; // L
  readonly lastWeekday: boolean; // LW
  readonly nearestWeekday: readonly number[]; // nW
}

interface DayOfWeekSpec {
  readonly days: ReadonlySet<number>; // 0 = Sunday
  readonly lastOfMonth: ReadonlySet<number>; // nL: the last such weekday of the month
  readonly nth?: { readonly day: number; readonly n: number }; // d#n
}

export interface CronSchedule {
  readonly kind: 'cron';
  readonly expression: string;
  readonly dialect: 'aws' | 'unix';
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly months: ReadonlySet<number>; // 1-12
  /** undefined: any year. */
  readonly years: ReadonlySet<number> | undefined;
  /** undefined: the field is '?' (AWS) or '*' (unix). */
  readonly dayOfMonth: DayOfMonthSpec | undefined;
  readonly dayOfWeek: DayOfWeekSpec | undefined;
  /** Unix cron with both day fields restricted: either one matching is enough. */
  readonly daysEitherMatch: boolean;
}

export type Schedule = RateSchedule | CronSchedule;

export interface ScheduleOptions {
  /** DataSync refuses schedules that run more than once an hour; floe does too unless this is set. */
  readonly allowSubHourly?: boolean;
  /** Where a rate schedule's grid starts (ms since epoch). Default 0. */
  readonly anchorMs?: number;
}

export const MAX_SCHEDULE_LENGTH = 256;
const ALLOWED_CHARACTERS = /^[a-zA-Z0-9 _*?,|^\-/#\s()+]*$/;
const AWS_LAST_YEAR = 2199;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

class ScheduleSyntax extends Error {}

function fail(expression: string, problem: string): FloeError {
  return new FloeError('INVALID_ARGUMENT', `ScheduleExpression ${JSON.stringify(expression)}: ${problem}`, {
    details: { field: 'ScheduleExpression' },
  });
}

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names for min, min+1, ... */
  readonly names?: readonly string[];
}

function parseValue(text: string, spec: FieldSpec): number {
  const upper = text.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named >= 0) return spec.min + named;
  if (!/^[0-9]+$/.test(text)) throw new ScheduleSyntax(`${spec.name} value ${JSON.stringify(text)} is not a number${spec.names ? ' or a name' : ''}`);
  const n = Number(text);
  if (n < spec.min || n > spec.max) throw new ScheduleSyntax(`${spec.name} value ${n} is outside ${spec.min}-${spec.max}`);
  return n;
}

/** `*`, `v`, `a-b`, each optionally `/step`, comma-separated. */
function parseList(text: string, spec: FieldSpec): number[] {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const m = /^([^/]+)(?:\/([0-9]+))?$/.exec(item);
    if (m === null) throw new ScheduleSyntax(`${spec.name} item ${JSON.stringify(item)} is not valid`);
    const [, range = '', stepText] = m;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw new ScheduleSyntax(`${spec.name} step must be at least 1`);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [spec.min, spec.max];
    else if (range.includes('-')) {
      const [a = '', b = '', ...rest] = range.split('-');
      if (rest.length > 0) throw new ScheduleSyntax(`${spec.name} range ${JSON.stringify(range)} is not valid`);
      [lo, hi] = [parseValue(a, spec), parseValue(b, spec)];
      if (lo > hi) throw new ScheduleSyntax(`${spec.name} range ${JSON.stringify(range)} runs backwards`);
    } else {
      lo = parseValue(range, spec);
      hi = stepText === undefined ? lo : spec.max; // "1/10": from 1, every 10
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

function parseDayOfMonth(text: string, dialect: 'aws' | 'unix'): DayOfMonthSpec {
  const spec: FieldSpec = { name: 'Day-of-month', min: 1, max: 31 };
  const days = new Set<number>();
  let last = false;
  let lastWeekday = false;
  const nearestWeekday: number[] = [];
  for (const item of text.split(',')) {
    const upper = item.toUpperCase();
    if (dialect === 'aws' && upper === 'L') last = true;
    else if (dialect === 'aws' && upper === 'LW') lastWeekday = true;
    else if (dialect === 'aws' && /^[0-9]+W$/.test(upper)) nearestWeekday.push(parseValue(upper.slice(0, -1), spec));
    else for (const d of parseList(item, spec)) days.add(d);
  }
  return { days, last, lastWeekday, nearestWeekday };
}

function parseDayOfWeek(text: string, dialect: 'aws' | 'unix'): DayOfWeekSpec {
  // AWS: 1-7 = SUN-SAT. Unix: 0-7, 0 and 7 = Sunday.
  const spec: FieldSpec = dialect === 'aws' ? { name: 'Day-of-week', min: 1, max: 7, names: DAY_NAMES } : { name: 'Day-of-week', min: 0, max: 7 };
  const toJs = (v: number): number => (dialect === 'aws' ? v - 1 : v % 7);
  const named = (t: string): number => {
    const i = DAY_NAMES.indexOf(t.toUpperCase());
    return i >= 0 ? i : toJs(parseValue(t, spec));
  };
  const days = new Set<number>();
  const lastOfMonth = new Set<number>();
  const items = text.split(',');
  if (text.includes('#')) {
    if (dialect !== 'aws') throw new ScheduleSyntax('Day-of-week "#" is only available in cron(...) expressions');
    const m = /^([^#]+)#([1-5])$/.exec(text);
    if (items.length > 1 || m === null) throw new ScheduleSyntax('Day-of-week with "#" must be one expression like 3#2 (the second Tuesday)');
    return { days, lastOfMonth, nth: { day: named(m[1] as string), n: Number(m[2]) } };
  }
  for (const item of items) {
    const upper = item.toUpperCase();
    if (dialect === 'aws' && upper === 'L') days.add(6); // "L ... the last day of the week": Saturday
    else if (dialect === 'aws' && /^.+L$/.test(upper)) lastOfMonth.add(named(upper.slice(0, -1)));
    else for (const v of parseList(item, { ...spec, names: dialect === 'aws' ? DAY_NAMES : undefined })) days.add(toJs(v));
  }
  return { days, lastOfMonth };
}

function parseCron(expression: string, fields: string[], dialect: 'aws' | 'unix'): CronSchedule {
  const [minText = '', hourText = '', domText = '', monthText = '', dowText = '', yearText] = fields;
  const minutes = parseList(minText, { name: 'Minutes', min: 0, max: 59 });
  const hours = parseList(hourText, { name: 'Hours', min: 0, max: 23 });
  const months = new Set(parseList(monthText, { name: 'Month', min: 1, max: 12, names: MONTH_NAMES }));
  const unixDow = (t: string): string => t.replace(/[A-Za-z]{3}/g, (n) => String(Math.max(DAY_NAMES.indexOf(n.toUpperCase()), -1)));
  if (dialect === 'aws') {
    const domAny = domText === '?';
    const dowAny = dowText === '?';
    if (domAny === dowAny) {
      throw new ScheduleSyntax('exactly one of Day-of-month and Day-of-week must be "?" (e.g. "0 12 ? * SUN,WED *" or "0 12 1 * ? *")');
    }
    const years = yearText === '*' ? undefined : new Set(parseList(yearText ?? '', { name: 'Year', min: 1970, max: AWS_LAST_YEAR }));
    return {
      kind: 'cron', expression, dialect, minutes, hours, months, years,
      dayOfMonth: domAny ? undefined : parseDayOfMonth(domText, dialect),
      dayOfWeek: dowAny ? undefined : parseDayOfWeek(dowText, dialect),
      daysEitherMatch: false,
    };
  }
  if (domText.includes('?') || dowText.includes('?')) throw new ScheduleSyntax('"?" is only available in cron(...) expressions; use "*"');
  const domStar = domText.startsWith('*');
  const dowStar = dowText.startsWith('*');
  const dowNumeric = unixDow(dowText);
  if (dowNumeric.includes('-1')) throw new ScheduleSyntax(`Day-of-week ${JSON.stringify(dowText)} has an unknown day name`);
  return {
    kind: 'cron', expression, dialect, minutes, hours, months, years: undefined,
    // Vixie cron: a field starting with '*' still restricts ("*/2"), but then both must match.
    dayOfMonth: domText === '*' ? undefined : parseDayOfMonth(domText, dialect),
    dayOfWeek: dowText === '*' ? undefined : parseDayOfWeek(dowNumeric, dialect),
    daysEitherMatch: !domStar && !dowStar,
  };
}

function parseRate(expression: string, body: string, anchorMs: number): RateSchedule {
  const m = /^\s*([0-9]+)\s+([a-z]+)\s*$/.exec(body);
  if (m === null) throw new ScheduleSyntax('a rate must look like rate(1 hour) or rate(12 hours)');
  const value = Number(m[1]);
  const word = m[2] as string;
  const unit = word.replace(/s$/, '') as RateUnit;
  if (!['minute', 'hour', 'day'].includes(unit)) throw new ScheduleSyntax(`rate unit ${JSON.stringify(word)} must be minute(s), hour(s) or day(s)`);
  if (value < 1) throw new ScheduleSyntax('a rate value must be a positive whole number');
  const plural = word.endsWith('s');
  if (value === 1 && plural) throw new ScheduleSyntax(`a rate of 1 takes the singular unit: rate(1 ${unit})`);
  if (value > 1 && !plural) throw new ScheduleSyntax(`a rate above 1 takes the plural unit: rate(${value} ${unit}s)`);
  const unitMs = unit === 'minute' ? MINUTE_MS : unit === 'hour' ? HOUR_MS : DAY_MS;
  return { kind: 'rate', expression, value, unit, intervalMs: value * unitMs, anchorMs };
}

/** Parses a schedule expression; throws INVALID_ARGUMENT naming the problem. */
export function parseSchedule(expression: string, options: ScheduleOptions = {}): Schedule {
  if (typeof expression !== 'string' || expression.trim() === '') throw fail(String(expression), 'the expression is empty');
  if (expression.length > MAX_SCHEDULE_LENGTH) throw fail(expression, `the expression is longer than ${MAX_SCHEDULE_LENGTH} characters`);
  if (!ALLOWED_CHARACTERS.test(expression)) throw fail(expression, 'the expression has characters other than letters, digits, spaces and _ * ? , | ^ - / # ( ) +');
  const text = expression.trim();
  let schedule: Schedule;
  try {
    const call = /^(cron|rate)\((.*)\)$/s.exec(text);
    if (call?.[1] === 'rate') schedule = parseRate(expression, call[2] as string, options.anchorMs ?? 0);
    else {
      const fields = (call?.[2] ?? text).trim().split(/\s+/);
      const aws = call !== null || fields.length === 6;
      if (aws && fields.length !== 6) throw new ScheduleSyntax(`cron(...) takes 6 fields (Minutes Hours Day-of-month Month Day-of-week Year); got ${fields.length}`);
      if (!aws && fields.length !== 5) {
        throw new ScheduleSyntax(`expected cron(...), rate(...), 6 AWS cron fields or 5 Unix cron fields; got ${fields.length} fields`);
      }
      schedule = parseCron(expression, fields, aws ? 'aws' : 'unix');
    }
  } catch (err) {
    if (err instanceof ScheduleSyntax) throw fail(expression, err.message);
    throw err;
  }
  if (!options.allowSubHourly) {
    const subHourly = schedule.kind === 'rate' ? schedule.intervalMs < HOUR_MS : schedule.minutes.length > 1;
    if (subHourly) throw fail(expression, 'DataSync runs a task at most once an hour; this schedule runs more often');
  }
  return schedule;
}

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

function isWeekday(year: number, month: number, day: number): boolean {
  const dow = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return dow !== 0 && dow !== 6;
}

/** "the weekday closest to" day n, staying inside the month. */
function nearestWeekday(year: number, month: number, n: number): number | undefined {
  const last = daysInMonth(year, month);
  if (n > last) return undefined;
  const dow = new Date(Date.UTC(year, month - 1, n)).getUTCDay();
  if (dow === 6) return n > 1 ? n - 1 : n + 2;
  if (dow === 0) return n < last ? n + 1 : n - 2;
  return n;
}

function dayOfMonthMatches(spec: DayOfMonthSpec, year: number, month: number, day: number): boolean {
  const last = daysInMonth(year, month);
  if (spec.days.has(day) || (spec.last && day === last)) return true;
  if (spec.lastWeekday) {
    let d = last;
    while (!isWeekday(year, month, d)) d--;
    if (d === day) return true;
  }
  return spec.nearestWeekday.some((n) => nearestWeekday(year, month, n) === day);
}

function dayOfWeekMatches(spec: DayOfWeekSpec, year: number, month: number, day: number): boolean {
  const dow = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  if (spec.nth !== undefined) return dow === spec.nth.day && Math.ceil(day / 7) === spec.nth.n;
  if (spec.days.has(dow)) return true;
  return spec.lastOfMonth.has(dow) && day + 7 > daysInMonth(year, month);
}

function dayMatches(s: CronSchedule, year: number, month: number, day: number): boolean {
  const dom = s.dayOfMonth === undefined || dayOfMonthMatches(s.dayOfMonth, year, month, day);
  const dow = s.dayOfWeek === undefined || dayOfWeekMatches(s.dayOfWeek, year, month, day);
  return s.daysEitherMatch ? dom || dow : dom && dow;
}

function nextCron(s: CronSchedule, after: Date): Date {
  // Runs fall on whole minutes strictly after `after`.
  const start = Math.floor(after.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const startDate = new Date(start);
  const startDay = Date.UTC(startDate.getUTCFullYear(), startDate.getUTCMonth(), startDate.getUTCDate());
  // AWS years end at 2199; a unix schedule that has not run in 28 years (the Gregorian weekday
  // cycle, 8 leap years) never will.
  const lastYear = s.years !== undefined ? Math.max(...s.years) : s.dialect === 'aws' ? AWS_LAST_YEAR : startDate.getUTCFullYear() + 28;
  for (let dayMs = startDay; ; dayMs += DAY_MS) {
    const date = new Date(dayMs);
    const year = date.getUTCFullYear();
    if (year > lastYear) break;
    const month = date.getUTCMonth() + 1;
    if (s.years !== undefined && !s.years.has(year)) {
      dayMs = Date.UTC(year + 1, 0, 1) - DAY_MS;
      continue;
    }
    if (!s.months.has(month)) {
      dayMs = Date.UTC(year, month, 1) - DAY_MS;
      continue;
    }
    if (!dayMatches(s, year, month, date.getUTCDate())) continue;
    for (const hour of s.hours) {
      for (const minute of s.minutes) {
        const t = dayMs + hour * HOUR_MS + minute * MINUTE_MS;
        if (t >= start) return new Date(t);
      }
    }
  }
  throw new FloeError('INVALID_ARGUMENT', `ScheduleExpression ${JSON.stringify(s.expression)} has no run after ${after.toISOString()}`, {
    details: { field: 'ScheduleExpression' },
  });
}

/** The first run strictly after `after`, in UTC. */
export function nextRun(schedule: Schedule, after: Date): Date {
  if (schedule.kind === 'rate') {
    const t = after.getTime();
    if (t < schedule.anchorMs) return new Date(schedule.anchorMs);
    const k = Math.floor((t - schedule.anchorMs) / schedule.intervalMs) + 1;
    return new Date(schedule.anchorMs + k * schedule.intervalMs);
  }
  return nextCron(schedule, after);
}
