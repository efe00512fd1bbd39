import { errorOf } from '../../test/support/error-of.js';
import { describe, expect, it } from 'vitest';
import { nextRun, parseSchedule } from './schedule.js';


// 2024-01-01 is a Monday; 2024 is a leap year; 2024-06-01 is a Saturday; 2024-07-01 a Monday.
describe('nextRun', () => {
  const rows: Array<[expression: string, after: string, expected: string]> = [
    // The DataSync guide's example: "every Sunday and Wednesday at 12:00 PM UTC".
    ['cron(0 12 ? * SUN,WED *)', '2024-01-01T00:00:00Z', '2024-01-03T12:00:00.000Z'],
    ['cron(0 12 ? * SUN,WED *)', '2024-01-03T12:00:00Z', '2024-01-07T12:00:00.000Z'],
    ['0 12 ? * SUN,WED *', '2024-01-03T11:59:30Z', '2024-01-03T12:00:00.000Z'],
    // EventBridge examples.
    ['cron(0 10 * * ? *)', '2024-01-01T10:00:00.001Z', '2024-01-02T10:00:00.000Z'],
    ['cron(15 12 * * ? *)', '2024-12-31T12:15:00Z', '2025-01-01T12:15:00.000Z'],
    ['cron(0 18 ? * MON-FRI *)', '2024-01-05T18:00:00Z', '2024-01-08T18:00:00.000Z'],
    ['cron(0 8 1 * ? *)', '2024-01-01T08:00:00Z', '2024-02-01T08:00:00.000Z'],
    ['cron(0 18 ? * 2-6 *)', '2024-01-06T00:00:00Z', '2024-01-08T18:00:00.000Z'],
    // L, LW, W, #, nL.
    ['cron(0 0 L * ? *)', '2024-02-01T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['cron(0 0 L * ? *)', '2023-02-01T00:00:00Z', '2023-02-28T00:00:00.000Z'],
    ['cron(0 0 LW * ? *)', '2024-06-01T00:00:00Z', '2024-06-28T00:00:00.000Z'],
    ['cron(0 9 1W * ? *)', '2024-06-01T00:00:00Z', '2024-06-03T09:00:00.000Z'],
    ['cron(0 9 15W * ? *)', '2024-06-01T00:00:00Z', '2024-06-14T09:00:00.000Z'],
    ['cron(0 9 ? * 3#2 *)', '2024-01-01T00:00:00Z', '2024-01-09T09:00:00.000Z'],
    ['cron(0 9 ? * TUE#2 *)', '2024-01-09T09:00:00Z', '2024-02-13T09:00:00.000Z'],
    ['cron(0 9 ? * 6L *)', '2024-01-01T00:00:00Z', '2024-01-26T09:00:00.000Z'],
    ['cron(0 9 ? * L *)', '2024-01-01T00:00:00Z', '2024-01-06T09:00:00.000Z'],
    // Years, months, steps.
    ['cron(0 0 1 1 ? 2030)', '2024-05-05T00:00:00Z', '2030-01-01T00:00:00.000Z'],
    ['cron(0 0 1 1 ? 2025-2027/2)', '2025-01-01T00:00:00Z', '2027-01-01T00:00:00.000Z'],
    ['cron(30 2 29 2 ? *)', '2024-03-01T00:00:00Z', '2028-02-29T02:30:00.000Z'],
    ['cron(0 */6 * * ? *)', '2024-01-01T05:59:00Z', '2024-01-01T06:00:00.000Z'],
    ['cron(0 1/10 * * ? *)', '2024-01-01T11:00:00Z', '2024-01-01T21:00:00.000Z'],
    ['cron(0 0 ? JAN,JUL MON *)', '2024-02-01T00:00:00Z', '2024-07-01T00:00:00.000Z'],
    // Plain five-field cron.
    ['30 4 * * *', '2024-01-01T04:30:00Z', '2024-01-02T04:30:00.000Z'],
    ['0 0 13 * 5', '2024-01-01T00:00:00Z', '2024-01-05T00:00:00.000Z'],
    ['0 0 13 * 5', '2024-01-12T00:00:00Z', '2024-01-13T00:00:00.000Z'],
    ['0 12 * * 0', '2024-01-01T00:00:00Z', '2024-01-07T12:00:00.000Z'],
    ['0 12 * * 7', '2024-01-01T00:00:00Z', '2024-01-07T12:00:00.000Z'],
    ['0 12 * * SUN', '2024-01-01T00:00:00Z', '2024-01-07T12:00:00.000Z'],
    ['0 12 * * mon-fri', '2024-01-06T00:00:00Z', '2024-01-08T12:00:00.000Z'],
    ['0 0 */10 * *', '2024-01-21T00:00:00Z', '2024-01-31T00:00:00.000Z'],
    ['0 0 * * */2', '2024-01-01T00:00:00Z', '2024-01-02T00:00:00.000Z'],
    ['0 0 1 jan *', '2024-01-01T00:00:00Z', '2025-01-01T00:00:00.000Z'],
    // Rates run on a grid anchored at the epoch: 2024-01-01 is day 19723 (odd).
    ['rate(1 hour)', '2024-01-01T10:20:00Z', '2024-01-01T11:00:00.000Z'],
    ['rate(1 hour)', '2024-01-01T11:00:00Z', '2024-01-01T12:00:00.000Z'],
    ['rate(2 days)', '2024-01-01T00:00:00Z', '2024-01-02T00:00:00.000Z'],
    ['rate(1 day)', '2024-01-01T23:59:59.999Z', '2024-01-02T00:00:00.000Z'],
    ['rate(6 hours)', '2024-01-01T13:00:00Z', '2024-01-01T18:00:00.000Z'],
  ];
  it.each(rows)('%s after %s -> %s', (expression, after, expected) => {
    expect(nextRun(parseSchedule(expression), new Date(after)).toISOString()).toBe(expected);
  });

  it('runs a rate on a grid from the given anchor', () => {
    const s = parseSchedule('rate(12 hours)', { anchorMs: Date.parse('2024-01-01T03:00:00Z') });
    expect(nextRun(s, new Date('2023-12-31T00:00:00Z')).toISOString()).toBe('2024-01-01T03:00:00.000Z');
    expect(nextRun(s, new Date('2024-01-01T03:00:00Z')).toISOString()).toBe('2024-01-01T15:00:00.000Z');
    expect(nextRun(s, new Date('2024-01-05T14:59:59Z')).toISOString()).toBe('2024-01-05T15:00:00.000Z');
  });

  it('runs more often than hourly only when allowed', () => {
    const every15 = parseSchedule('*/15 * * * *', { allowSubHourly: true });
    expect(nextRun(every15, new Date('2024-01-01T00:07:00Z')).toISOString()).toBe('2024-01-01T00:15:00.000Z');
    const rate5 = parseSchedule('rate(5 minutes)', { allowSubHourly: true });
    expect(nextRun(rate5, new Date('2024-01-01T00:07:00Z')).toISOString()).toBe('2024-01-01T00:10:00.000Z');
  });

  it('reports a schedule that never runs', () => {
    expect(errorOf(() => nextRun(parseSchedule('0 0 30 2 *'), new Date('2024-01-01T00:00:00Z'))).message).toBe(
      'ScheduleExpression "0 0 30 2 *" has no run after 2024-01-01T00:00:00.000Z',
    );
    expect(errorOf(() => nextRun(parseSchedule('cron(0 0 1 1 ? 2020)'), new Date('2024-01-01T00:00:00Z'))).code).toBe('INVALID_ARGUMENT');
  });
});

describe('parseSchedule errors', () => {
  const rows: Array<[expression: string, problem: string]> = [
    ['', 'the expression is empty'],
    ['cron(0 12 * * SUN *)', 'exactly one of Day-of-month and Day-of-week must be "?" (e.g. "0 12 ? * SUN,WED *" or "0 12 1 * ? *")'],
    ['cron(0 12 ? * ? *)', 'exactly one of Day-of-month and Day-of-week must be "?" (e.g. "0 12 ? * SUN,WED *" or "0 12 1 * ? *")'],
    ['cron(0 12 * * ?)', 'cron(...) takes 6 fields (Minutes Hours Day-of-month Month Day-of-week Year); got 5'],
    ['0 12 * *', 'expected cron(...), rate(...), 6 AWS cron fields or 5 Unix cron fields; got 4 fields'],
    ['rate(1 hours)', 'a rate of 1 takes the singular unit: rate(1 hour)'],
    ['rate(5 hour)', 'a rate above 1 takes the plural unit: rate(5 hours)'],
    ['rate(0 hours)', 'a rate value must be a positive whole number'],
    ['rate(2 weeks)', 'rate unit "weeks" must be minute(s), hour(s) or day(s)'],
    ['rate(hourly)', 'a rate must look like rate(1 hour) or rate(12 hours)'],
    ['rate(30 minutes)', 'DataSync runs a task at most once an hour; this schedule runs more often'],
    ['*/15 * * * *', 'DataSync runs a task at most once an hour; this schedule runs more often'],
    ['cron(0,30 12 * * ? *)', 'DataSync runs a task at most once an hour; this schedule runs more often'],
    ['cron(60 * * * ? *)', 'Minutes value 60 is outside 0-59'],
    ['cron(0 25 * * ? *)', 'Hours value 25 is outside 0-23'],
    ['cron(0 0 1 13 ? *)', 'Month value 13 is outside 1-12'],
    ['cron(0 0 1 FOO ? *)', 'Month value "FOO" is not a number or a name'],
    ['cron(0 0 ? * 8 *)', 'Day-of-week value 8 is outside 1-7'],
    ['cron(0 0 1 * ? 2200)', 'Year value 2200 is outside 1970-2199'],
    ['cron(0 0 10-5 * ? *)', 'Day-of-month range "10-5" runs backwards'],
    ['cron(0 0 ? * 3#2,5#1 *)', 'Day-of-week with "#" must be one expression like 3#2 (the second Tuesday)'],
    ['0 0 L * *', 'Day-of-month value "L" is not a number'],
    ['0 0 ? * 1', '"?" is only available in cron(...) expressions; use "*"'],
    ['0 0 * * XYZ', 'Day-of-week "XYZ" has an unknown day name'],
    ['0 12 * * MON;', 'the expression has characters other than letters, digits, spaces and _ * ? , | ^ - / # ( ) +'],
  ];
  it.each(rows)('%j: %s', (expression, problem) => {
    const err = errorOf(() => parseSchedule(expression));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toBe(`ScheduleExpression ${JSON.stringify(expression)}: ${problem}`);
    expect(err.details?.field).toBe('ScheduleExpression');
  });

  it('refuses expressions over 256 characters', () => {
    const long = `cron(0 0 ${'1,'.repeat(130)}1 * ? *)`;
    expect(errorOf(() => parseSchedule(long)).message).toContain('longer than 256 characters');
  });
});
