import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import * as amqp from 'amqplib';
import pino from 'pino';
import { createHubApp } from '../../../apps/hub/src/create-app';
import { createRuntime, type HubRuntime } from '../../../apps/hub/src/hub-runtime';
import { validateCanonicalException, type CanonicalException } from '@exhub/canonical';
import { Secret, loadEnvSettings } from '@exhub/config';
import { signHmacPayload } from '@exhub/connector-sdk';
import { deleteTopology } from '@exhub/messaging';
import {
  corpusView,
  ISO20022_CORPUS,
  sortedViews,
  type CorpusExpectation,
} from '../../../connectors/iso20022/testing';
import { AMQP_URL, subscribe, take } from '../hub/hub-harness';

/**
 * Every real ISO 20022 sample of the corpus (connectors/iso20022/fixtures/corpus/) sent as a bank
 * or its connectivity client would: a signed POST to the ISO 20022 webhook of an in-process hub,
 * through a real broker (ingress → work → pipeline → exhub.exceptions). What each file publishes is
 * compared with the same expectations table the unit corpus run uses (testing/corpus.ts): no file
 * refused, nothing dead-lettered, no exception more or less than the file means.
 */
const SECRET = `iso20022-corpus-${randomBytes(16).toString('hex')}`;
const CORPUS_DIR = join(__dirname, '../../../connectors/iso20022/fixtures/corpus');
/** How long nothing more may arrive once every expected exception came. */
const QUIET_MS = 2_000;

describe('ISO 20022 real-sample corpus through the signed webhook and a real broker', () => {
  let app: NestFastifyApplication;
  let rt: HubRuntime;
  let client: amqp.ChannelModel;
  let channel: amqp.Channel;
  let finance: string;

  beforeAll(async () => {
    const env = loadEnvSettings({
      ...process.env,
      AMQP_URL,
      EXHUB_TOPOLOGY_PREFIX: `t${randomBytes(4).toString('hex')}`,
      EXHUB_STORE_URL: 'sqlite::memory:',
    });
    rt = await createRuntime(env, 'e2e', {
      logger: pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
      connectors: [
        {
          id: 'bank',
          type: 'iso20022',
          enabled: true,
          settings: { secrets: [new Secret(SECRET, 'test')], toleranceSeconds: 300 },
        },
      ],
    });
    app = await createHubApp(rt);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    client = await amqp.connect(AMQP_URL);
    channel = await client.createChannel();
    finance = await subscribe(channel, rt.topology.names.exceptions, 'finance.#');
  });

  afterAll(async () => {
    await app?.close();
    if (client) {
      const ch = await client.createChannel();
      await deleteTopology(ch, rt.topology);
      await ch.close().catch(() => undefined);
      await client.close().catch(() => undefined);
    }
  });

  it('publishes for each file exactly the exceptions its business meaning calls for', async () => {
    const fileByEvent = new Map<string, string>();
    for (const { file } of ISO20022_CORPUS) {
      const body = readFileSync(join(CORPUS_DIR, file));
      const res = await app
        .getHttpAdapter()
        .getInstance()
        .inject({
          method: 'POST',
          url: '/v1/ingest/bank',
          payload: body,
          headers: {
            'content-type': 'application/xml',
            'x-exhub-signature': signHmacPayload(body, SECRET, Math.floor(Date.now() / 1000)),
          },
        });
      // Accepted as a new event: no file is refused, none is taken for a duplicate of another.
      expect({ file, status: res.statusCode, body: JSON.parse(res.body) }).toEqual({
        file,
        status: 202,
        body: { eventId: expect.any(String), correlationId: expect.any(String) },
      });
      fileByEvent.set((JSON.parse(res.body) as { eventId: string }).eventId, file);
    }

    const expected = ISO20022_CORPUS.reduce((n, s) => n + s.expect.length, 0);
    // Until every expected exception was published once; a loaded machine may time an
    // evaluation out (a transient failure, retried after 5 s), so allow for a retry or two.
    const messages: amqp.GetMessage[] = [];
    const firstPublications = () =>
      messages.filter(
        (m) => (JSON.parse(m.content.toString('utf8')) as CanonicalException).version === 1,
      ).length;
    const deadline = Date.now() + 60_000;
    while (firstPublications() < expected && Date.now() < deadline) {
      messages.push(...(await take(channel, finance, 1, 1_000)));
    }
    // Then nothing more than link updates may come.
    await new Promise((r) => setTimeout(r, QUIET_MS));
    const extra = (await channel.checkQueue(finance)).messageCount;
    if (extra > 0) messages.push(...(await take(channel, finance, extra)));

    // The first publication of each exception is what the file raised. The hub may publish an
    // exception again when a later one is related to it (same payment run, end-to-end id, …):
    // the same exception, new version, with the link added, still open.
    const published = new Map<string, CorpusExpectation[]>();
    const firsts = new Map<string, CanonicalException>();
    const relinked: CanonicalException[] = [];
    for (const m of messages) {
      const e = JSON.parse(m.content.toString('utf8')) as CanonicalException;
      expect(validateCanonicalException(e)).toEqual({ ok: true, value: e });
      expect(m.fields.routingKey).toBe(`finance.${e.type}.${e.priority.tier}`);
      expect(e.source).toMatchObject({ system: 'iso20022', connector: 'bank' });
      if (e.version > 1) {
        relinked.push(e);
        continue;
      }
      firsts.set(e.id, e);
      const file = fileByEvent.get(e.causationId ?? '') ?? `unknown event ${e.causationId}`;
      published.set(file, [...(published.get(file) ?? []), corpusView(e)]);
    }
    const got = Object.fromEntries(
      ISO20022_CORPUS.map(({ file }) => [file, sortedViews(published.get(file) ?? [])]),
    );
    const want = Object.fromEntries(
      ISO20022_CORPUS.map(({ file, expect: e }) => [file, sortedViews(e)]),
    );
    expect(got).toEqual(want);
    expect(firsts.size).toBe(expected);
    for (const e of relinked) {
      const first = firsts.get(e.id);
      expect({ id: e.id, known: first !== undefined }).toEqual({ id: e.id, known: true });
      expect({ view: corpusView(e), status: e.status }).toEqual({
        view: corpusView(first!),
        status: 'open',
      });
      expect(e.links.length).toBeGreaterThan(first!.links.length);
    }

    // Nothing was dead-lettered on the way.
    expect((await channel.checkQueue(rt.topology.names.dlq)).messageCount).toBe(0);
  }, 120_000);
});
