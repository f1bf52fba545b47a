import type { PollOutcome, PollRunner } from '@exhub/connector-sdk';

/** How long a test waits for the scheduler's own poll to finish before taking `busy` as it is. */
const IDLE_TIMEOUT_MS = 10_000;
const RETRY_MS = 20;

/**
 * `runner.pollNow()`, waiting out the scheduler's own poll when one is in flight: the hub's
 * scheduler ticks by itself (every second in the connector e2e tests), and a test's poll that
 * meets it answers `busy` instead of the outcome the test is about.
 */
export async function pollWhenIdle(runner: () => PollRunner): Promise<PollOutcome> {
  const deadline = Date.now() + IDLE_TIMEOUT_MS;
  for (;;) {
    const outcome = await runner().pollNow();
    if (outcome.status !== 'busy' || Date.now() > deadline) return outcome;
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}
