const DURATION = /^P(?!$)(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const MS = { day: 86_400_000, hour: 3_600_000, minute: 60_000, second: 1_000 };

/** Milliseconds of an ISO 8601 duration in days, hours, minutes and seconds (`P1DT4H`, `PT30M`). */
export function durationMs(iso: string): number {
  const m = DURATION.exec(iso);
  if (!m) throw new RangeError(`"${iso}" is not an ISO 8601 duration such as P1D or PT4H`);
  const [d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0));
  return d * MS.day + h * MS.hour + min * MS.minute + s * MS.second;
}

const hoursCache = new Map<string, number>();

/** Hours of an ISO 8601 duration; memoised, since a policy names only a handful. */
export function hoursOf(iso: string): number {
  let h = hoursCache.get(iso);
  if (h === undefined) hoursCache.set(iso, (h = durationMs(iso) / MS.hour));
  return h;
}
