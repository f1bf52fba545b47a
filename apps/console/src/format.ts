import type { Money } from './types';

/** `EUR 12,500.00` from a decimal string, without floating-point rounding of the digits. */
export function money(m: Money | undefined): string {
  if (!m) return '—';
  const [whole, frac] = m.value.replace(/^-/, '').split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${m.value.startsWith('-') ? '−' : ''}${m.currency} ${grouped}${frac ? `.${frac}` : ''}`;
}

/** `3 d 4 h`, `45 min`, `30 s`: a duration in words people read at a glance. */
export function duration(seconds: number): string {
  const s = Math.abs(Math.round(seconds));
  if (s >= 86400) return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min`;
  return `${s} s`;
}

/** Due countdown: `in 2 h 5 min`, `overdue 1 d 2 h`, or `—` without a deadline. */
export function due(dueAt: string | undefined, now: number): { text: string; overdue: boolean } {
  if (!dueAt) return { text: '—', overdue: false };
  const seconds = (Date.parse(dueAt) - now) / 1000;
  return seconds >= 0
    ? { text: `in ${duration(seconds)}`, overdue: false }
    : { text: `overdue ${duration(seconds)}`, overdue: true };
}

export function points(p: number): string {
  const r = Math.round(p * 100) / 100;
  return `${r > 0 ? '+' : r < 0 ? '−' : ''}${Math.abs(r).toFixed(2)}`;
}

export function time(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

/** Only http(s) links leave the console: a source URL such as `javascript:` is shown as text. */
export function safeHttpUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}
