/**
 * One "hub process" for the SQLite multi-process test: opens the store named by argv[2] and, for
 * each score in argv[4…], stores exception argv[3] with that score and claims webhook event
 * `evt-<score>`. Prints one JSON line: the versions it got and the events it won.
 */
import { openStore } from '@exhub/store';
import { sampleException } from '../../../libs/store/testing/sample-exception';

async function main(): Promise<void> {
  const [url, id, ...scores] = process.argv.slice(2);
  const store = await openStore(url);
  const versions: number[] = [];
  const won: string[] = [];
  try {
    const base = sampleException({ id, score: 0 });
    for (const score of scores.map(Number)) {
      const r = await store.upsertException(
        { ...base, priority: { ...base.priority, score } },
        { actor: `pid-${process.pid}` },
      );
      versions.push(r.exception.version);
      const claim = await store.rememberWebhookEvent(
        {
          connectorId: 'stripe',
          sourceEventId: `evt-${score % 5}`,
          eventId: `${process.pid}-${score}`,
          correlationId: 'c',
        },
        60_000,
      );
      if (claim.isNew) won.push(`evt-${score % 5}`);
    }
  } finally {
    await store.close();
  }
  process.stdout.write(`${JSON.stringify({ versions, won })}\n`);
}

void main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
