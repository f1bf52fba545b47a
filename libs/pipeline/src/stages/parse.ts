import { InvalidPayloadError } from '@exhub/core';
import type { SourceEventMeta } from '@exhub/core';
import { isXmlContentType, liftBusinessMessage, parseXml } from '@exhub/connector-sdk';

const JSON_TYPES = /^application\/(.+\+)?json\b/i;

/**
 * Stage `parse`: the body as the connector parsed it at ingress: JSON, or XML through the one safe
 * XML parser (libs/connector-sdk/src/xml.ts: no DOCTYPE or entities, repeating elements as arrays).
 */
export function parsePayload(
  meta: Pick<SourceEventMeta, 'contentType' | 'connectorId'>,
  body: Buffer,
): unknown {
  if (isXmlContentType(meta.contentType)) {
    // An ISO 20022 business message envelope is read as its Document, as the connector read it.
    return liftBusinessMessage(
      parseXml(body, { stage: 'parse', where: `connector '${meta.connectorId}'` }),
    );
  }
  if (!JSON_TYPES.test(meta.contentType)) {
    throw new InvalidPayloadError('parse', `no parser for content type "${meta.contentType}"`, [
      {
        pointer: '',
        rule: 'contentType',
        message: `content type ${meta.contentType} is not supported by the pipeline`,
      },
    ]);
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new InvalidPayloadError('parse', `body is not valid JSON: ${(err as Error).message}`, [
      { pointer: '', rule: 'json', message: (err as Error).message },
    ]);
  }
}
