const DAY_MS = 86_400_000;

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const isoDate = (t: number): string => new Date(t).toISOString().slice(0, 10);

function isBusinessDay(t: number, holidays: ReadonlySet<string>): boolean {
  const wd = new Date(t).getUTCDay();
  return wd !== 0 && wd !== 6 && !holidays.has(isoDate(t));
}

/** Longest run of weekend days and holidays looked through (a long holiday season). */
const MAX_DAYS_OFF = 14;

/**
 * A weekend day or holiday is inside the close window when the business days on both sides of it
 * are: the close goes on over the weekend between its business days, and an exception raised on
 * the Sunday before a Monday period end is as much part of it. Outside the window otherwise.
 */
function betweenBusinessDays<W extends CloseWindow>(
  day: number,
  off: ReadonlySet<string>,
  windowOn: (businessDay: number) => W,
): W | CloseWindow {
  let before = day - DAY_MS;
  let after = day + DAY_MS;
  for (let n = 0; n < MAX_DAYS_OFF && !isBusinessDay(before, off); n++) before -= DAY_MS;
  for (let n = 0; n < MAX_DAYS_OFF && !isBusinessDay(after, off); n++) after += DAY_MS;
  if (!isBusinessDay(before, off) || !isBusinessDay(after, off)) return { inWindow: false };
  const [prev, next] = [windowOn(before), windowOn(after)];
  if (!prev.inWindow || !next.inWindow) return { inWindow: false };
  return {
    ...next,
    label: `${WEEKDAYS[new Date(day).getUTCDay()]} ${isoDate(day)}, a day off between ${prev.label} and ${next.label}`,
  };
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export interface CloseWindow {
  inWindow: boolean;
  /** e.g. "the 2nd-last business day of November" */
  label?: string;
  /** The period end (YYYY-MM-DD) whose close the window belongs to. */
  periodEnd?: string;
}

/**
 * Whether `now` (UTC) falls on one of the last `last` or first `first` business days of its
 * month (Monday-Friday, minus holidays): the month-end close, when finance exceptions are urgent.
 */
export function closeWindow(
  now: Date,
  last: number,
  first: number,
  holidays: readonly string[] = [],
): CloseWindow {
  // Scoring asks about the same few days all day long: remember the answers.
  const key = `${now.toISOString().slice(0, 10)}|${last}|${first}|${holidays.join(',')}`;
  let hit = windowCache.get(key);
  if (!hit) {
    if (windowCache.size >= WINDOW_CACHE_SIZE) windowCache.clear();
    windowCache.set(key, (hit = computeCloseWindow(now, last, first, holidays)));
  }
  return hit;
}

const WINDOW_CACHE_SIZE = 256;
const windowCache = new Map<string, CloseWindow>();

function computeCloseWindow(
  now: Date,
  last: number,
  first: number,
  holidays: readonly string[],
): CloseWindow {
  const off = new Set(holidays);
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  if (!isBusinessDay(day, off))
    return betweenBusinessDays(day, off, (t) =>
      computeCloseWindow(new Date(t), last, first, holidays),
    );
  const month = MONTHS[now.getUTCMonth()];
  let before = 0;
  for (let t = day - DAY_MS; new Date(t).getUTCMonth() === now.getUTCMonth(); t -= DAY_MS)
    if (isBusinessDay(t, off)) before++;
  let after = 0;
  for (let t = day + DAY_MS; new Date(t).getUTCMonth() === now.getUTCMonth(); t += DAY_MS)
    if (isBusinessDay(t, off)) after++;
  if (after < last)
    return {
      inWindow: true,
      label:
        after === 0
          ? `the last business day of ${month}`
          : `business day ${after + 1} from the end of ${month}`,
      periodEnd: isoDate(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)),
    };
  if (before < first)
    return {
      inWindow: true,
      label: `business day ${before + 1} of ${month}`,
      periodEnd: isoDate(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0)),
    };
  return { inWindow: false };
}

export interface PeriodCloseWindow extends CloseWindow {
  /** The boost of the period end whose window `now` is in (undefined: the calendar's default). */
  slaRiskBoost?: number;
}

/**
 * Whether `now` (UTC) falls in the close window of one of the deployment's period ends: the last
 * `last` business days up to the period end (its own day counts when it is a business day) or
 * the first `first` business days after it. Quarter-ends, closes off month-end and 4-4-5
 * calendars are all lists of dates.
 */
export function periodCloseWindow(
  now: Date,
  periodEnds: readonly { date: string; label?: string; slaRiskBoost?: number }[],
  last: number,
  first: number,
  holidays: readonly string[] = [],
): PeriodCloseWindow {
  const off = new Set(holidays);
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  if (!isBusinessDay(day, off))
    return betweenBusinessDays(day, off, (t) =>
      periodCloseWindow(new Date(t), periodEnds, last, first, holidays),
    );
  for (const p of periodEnds) {
    const end = Date.parse(`${p.date}T00:00:00Z`);
    const name = p.label ? `${p.label} (${p.date})` : p.date;
    if (day <= end) {
      // Business days from today to the period end, today included.
      let n = 0;
      for (let t = day; t <= end && n <= last; t += DAY_MS) if (isBusinessDay(t, off)) n++;
      if (n >= 1 && n <= last)
        return {
          inWindow: true,
          label:
            n === 1
              ? `the last business day before the period end ${name}`
              : `business day ${n} from the period end ${name}`,
          slaRiskBoost: p.slaRiskBoost,
          periodEnd: p.date,
        };
    } else {
      let n = 0;
      for (let t = end + DAY_MS; t <= day && n <= first; t += DAY_MS)
        if (isBusinessDay(t, off)) n++;
      if (n >= 1 && n <= first)
        return {
          inWindow: true,
          label: `business day ${n} after the period end ${name}`,
          slaRiskBoost: p.slaRiskBoost,
          periodEnd: p.date,
        };
    }
  }
  return { inWindow: false };
}
