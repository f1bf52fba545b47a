/**
 * A small seeded pseudo-random generator (mulberry32) and the draws the scenarios need. Seeded,
 * so `exhub simulate --seed N` produces the same events in the same order every time; it is not
 * for anything secret (signing secrets come from the environment, never from here).
 */
const UINT32 = 0x1_0000_0000;

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / UINT32;
  }

  /** Whole number in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('cannot pick from an empty list');
    return items[Math.floor(this.next() * items.length)];
  }

  /** One of `items`, each as likely as its weight. */
  weighted<T>(items: readonly T[], weightOf: (item: T) => number): T {
    const total = items.reduce((s, i) => s + weightOf(i), 0);
    if (!(total > 0)) throw new Error('weights must add up to more than 0');
    let r = this.next() * total;
    for (const item of items) {
      r -= weightOf(item);
      if (r < 0) return item;
    }
    return items[items.length - 1];
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log(0) is not a number
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /**
   * Log-normal with the given median: how invoice and payment amounts are spread (many small,
   * a long tail of large ones). `sigma` is the spread of the logarithm.
   */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** `n` lowercase hex digits. */
  hex(n: number): string {
    let s = '';
    while (s.length < n) s += Math.floor(this.next() * 16).toString(16);
    return s;
  }

  /** `n` base-62 characters, as in Stripe's object ids. */
  alnum(n: number): string {
    const chars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    let s = '';
    while (s.length < n) s += chars[Math.floor(this.next() * chars.length)];
    return s;
  }

  /** `n` decimal digits (may start with 0). */
  digits(n: number): string {
    let s = '';
    while (s.length < n) s += String(Math.floor(this.next() * 10));
    return s;
  }
}

/** A seed for runs that do not give one: printed with the summary so the run can be repeated. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
