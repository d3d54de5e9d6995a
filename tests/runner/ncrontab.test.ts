import { parseNcrontab, resolveSettingReferences, ScheduleError } from '../../tools/local-runner/ncrontab';

// Local-time dates: schedules run in the process's time zone, as under func start. January avoids DST.
const at = (day: number, hour: number, minute: number, second = 0): Date =>
  new Date(2026, 0, day, hour, minute, second);

function nextRuns(expression: string, from: Date, count: number): Date[] {
  const schedule = parseNcrontab(expression);
  const runs: Date[] = [];
  let cursor = from;
  for (let i = 0; i < count; i++) {
    const next = schedule.next(cursor);
    if (!next) break;
    runs.push(next);
    cursor = next;
  }
  return runs;
}

describe('NCRONTAB schedules (six fields, seconds first)', () => {
  it('"0 */5 * * * *" fires on every fifth minute at second 0', () => {
    expect(nextRuns('0 */5 * * * *', at(1, 10, 2, 30), 3)).toEqual([
      at(1, 10, 5),
      at(1, 10, 10),
      at(1, 10, 15),
    ]);
  });

  it('next() is strictly after the reference, as NCrontab.GetNextOccurrence', () => {
    expect(nextRuns('0 */5 * * * *', at(1, 10, 5), 1)).toEqual([at(1, 10, 10)]);
  });

  it('"* * * * * *" fires every second', () => {
    expect(nextRuns('* * * * * *', at(1, 10, 0, 0), 3)).toEqual([
      at(1, 10, 0, 1),
      at(1, 10, 0, 2),
      at(1, 10, 0, 3),
    ]);
  });

  it('"0 30 9 * * 1-5" fires at 09:30 on weekdays only', () => {
    // 2026-01-02 is a Friday; the next weekday is Monday the 5th.
    expect(nextRuns('0 30 9 * * 1-5', at(2, 10, 0), 2)).toEqual([at(5, 9, 30), at(6, 9, 30)]);
  });

  it('ANDs day-of-month with day-of-week, as NCrontab does (Vixie cron would OR them)', () => {
    // Friday the 13th: February and March 2026.
    expect(nextRuns('0 0 0 13 * 5', at(1, 0, 0), 2)).toEqual([new Date(2026, 1, 13), new Date(2026, 2, 13)]);
  });

  it('reads "5/10" as from 5 every 10, as NCrontab does', () => {
    expect(nextRuns('5/10 * * * * *', at(1, 0, 0), 3)).toEqual([
      at(1, 0, 0, 5),
      at(1, 0, 0, 15),
      at(1, 0, 0, 25),
    ]);
  });

  it('accepts day and month names and lists', () => {
    expect(nextRuns('0 0 12 * * Mon', at(1, 0, 0), 1)).toEqual([at(5, 12, 0)]);
    expect(nextRuns('0 0 6,18 * Jan *', at(1, 7, 0), 2)).toEqual([at(1, 18, 0), at(2, 6, 0)]);
  });

  it('skips months without the day (day 31)', () => {
    expect(nextRuns('0 0 0 31 * *', at(1, 0, 0), 2)).toEqual([new Date(2026, 0, 31), new Date(2026, 2, 31)]);
  });

  it('finds the previous occurrence', () => {
    expect(parseNcrontab('0 */5 * * * *').previous(at(1, 10, 2, 30))).toEqual(at(1, 10, 0));
  });

  it.each([
    ['0 */5 * * *', 'six-field'],
    ['0 0 */5 * * * *', 'six-field'],
    ['60 * * * * *', 'second field: 60 is outside 0-59'],
    ['0 0 24 * * *', 'hour field'],
    ['0 0 0 0 * *', 'day field'],
    ['0 0 0 * 13 *', 'month field'],
    ['0 0 0 * * 7', 'day-of-week field: 7 is outside 0-6'],
    ['0 0 0 L * *', 'day field'],
    ['0 0 0 ? * *', 'day field'],
    ['0 0 0 * * 5#3', 'day-of-week field'],
    ['*/0 * * * * *', 'step 0'],
    ['0 0 0 * * Funday', 'not a valid day-of-week'],
  ])('refuses %s (%s), which the host would refuse too', (expression, problem) => {
    expect(() => parseNcrontab(expression)).toThrow(ScheduleError);
    expect(() => parseNcrontab(expression)).toThrow(problem);
  });
});

describe('%SETTING% references in schedules', () => {
  it('resolves a whole-schedule reference and inline references from the environment', () => {
    expect(resolveSettingReferences('%HEALTH_SCHEDULE%', { HEALTH_SCHEDULE: '0 */1 * * * *' })).toBe(
      '0 */1 * * * *',
    );
    expect(resolveSettingReferences('0 %MINUTE% * * * *', { MINUTE: '15' })).toBe('0 15 * * * *');
    expect(resolveSettingReferences('0 0 * * * *', {})).toBe('0 0 * * * *');
  });

  it('names the setting that does not resolve', () => {
    expect(() => resolveSettingReferences('%MISSING_SCHEDULE%', {})).toThrow(
      /%MISSING_SCHEDULE%.*set MISSING_SCHEDULE/,
    );
    expect(() => resolveSettingReferences('%EMPTY%', { EMPTY: ' ' })).toThrow(ScheduleError);
  });
});
