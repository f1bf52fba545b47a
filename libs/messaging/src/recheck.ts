/**
 * What the replay and DLQ tools need to know about a raw event under the CURRENT mappings, without
 * publishing anything. libs/messaging does not know about mappings: the caller (the hub, the CLI)
 * passes a `Recheck` that parses, maps, assembles and validates the event dry.
 */
import type { Message } from 'amqplib';

/** One exception a recheck would produce. */
export interface ExceptionPreview {
  id: string;
  domain: string;
  type: string;
  tier?: string;
  mappingId: string;
}

export type RecheckResult =
  | { status: 'valid'; exceptions: ExceptionPreview[] }
  /** No current mapping matches the event's source: the pipeline would ack it and publish nothing. */
  | { status: 'unmapped' }
  | { status: 'invalid'; stage: string; errorClass: string; message: string };

/** Parse + map + validate one raw event (body and AMQP properties) through the current mappings. */
export type Recheck = (msg: Pick<Message, 'content' | 'properties'>) => Promise<RecheckResult>;
