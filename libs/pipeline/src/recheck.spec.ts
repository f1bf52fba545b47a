import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MessageProperties } from 'amqplib';
import { exceptionId } from '@exhub/canonical';
import { MappingRegistry } from '@exhub/mapping';
import { sourceEventPublishOptions } from '@exhub/messaging';
import { PolicyScorer, loadPolicyFile } from '@exhub/prioritization';
import { pipelineRecheck } from './recheck';

const REPO = join(__dirname, '../../..');
const dispute = readFileSync(join(REPO, 'connectors/stripe/fixtures/charge.dispute.created.json'));

function message(body: Buffer, objectType = 'event') {
  const options = sourceEventPublishOptions({
    eventId: 'ev-1',
    correlationId: 'corr-1',
    connectorId: 'stripe',
    system: 'stripe',
    objectType,
    receivedAt: '2026-03-14T09:30:00.000Z',
    contentType: 'application/json',
  });
  return { content: body, properties: options as unknown as MessageProperties };
}

describe('pipelineRecheck (the pipeline, dry)', () => {
  let recheck: ReturnType<typeof pipelineRecheck>;
  beforeAll(async () => {
    recheck = pipelineRecheck({
      mappings: await MappingRegistry.loadDir(join(REPO, 'mappings')),
      scorer: new PolicyScorer(loadPolicyFile(join(REPO, 'policies/priority.yaml'))),
      connectorVersion: 'test',
    });
  });

  it('says which valid exception the current mappings make of an event', async () => {
    await expect(recheck(message(dispute))).resolves.toEqual({
      status: 'valid',
      exceptions: [
        {
          id: exceptionId({
            system: 'stripe',
            objectType: 'dispute',
            objectId: 'du_1TbG46JEe0yY0QKr8P0G3pa3',
            type: 'chargeback_dispute',
          }),
          domain: 'finance',
          type: 'chargeback_dispute',
          tier: expect.stringMatching(/^p[1-4]$/),
          mappingId: 'stripe.charge-dispute',
        },
      ],
    });
  });

  it('reports a body that is not JSON as invalid at the parse stage', async () => {
    await expect(recheck(message(Buffer.from('{nope')))).resolves.toMatchObject({
      status: 'invalid',
      stage: 'parse',
      errorClass: 'INVALID_PAYLOAD',
    });
  });

  it('reports an event no mapping matches as unmapped', async () => {
    await expect(recheck(message(dispute, 'no-such-object'))).resolves.toEqual({
      status: 'unmapped',
    });
  });
});
