/**
 * One mapping evaluation at a time. Mapping is CPU work, so running the prefetched deliveries'
 * mappings side by side gains nothing, but it makes each one's wall-clock time (which the
 * mapping engine's expression timeout measures) grow with the number in flight: under load,
 * valid events hit the timeout (measured: 20 of 3,000 at prefetch 32). Publishes still overlap.
 */
export function serialized<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  let tail: Promise<unknown> = Promise.resolve();
  return (...args: A) => {
    const run = tail.then(() => fn(...args));
    tail = run.catch(() => undefined);
    return run;
  };
}
