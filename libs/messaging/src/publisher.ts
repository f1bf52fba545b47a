/**
 * Publishing with broker confirms and bounded backpressure. `publish()` resolves only once the
 * broker has confirmed the message (so the caller may then answer 202 or ack the previous hop) and
 * rejects with a `PublishError` (error class TRANSIENT) on nack, unroutable mandatory message,
 * channel loss, blocked connection or timeout.
 *
 * Backpressure is a window: at most `maxInFlight` publishes await a confirm; further callers wait
 * in FIFO order for a slot, and nobody writes while the channel's socket buffer is draining
 * (`channel.publish` returned false). Waiting counts against the same `confirmTimeoutMs`, so no
 * caller hangs longer than that and nothing is buffered without bound.
 */
import type { EventEmitter } from 'node:events';
import type { ChannelModel, ConfirmChannel, Message, Options } from 'amqplib';
import { TransientError } from '../../connector-sdk/src/errors';
import { DEFAULT_CONFIRM_TIMEOUT_MS, DEFAULT_MAX_IN_FLIGHT } from './constants';

export type PublishFailure = 'not-ready' | 'nacked' | 'unroutable' | 'channel-closed' | 'timeout';

export class PublishError extends TransientError {
  constructor(
    readonly reason: PublishFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('publish', message, options);
    this.name = 'PublishError';
  }
}

export interface ConfirmPublisherOptions {
  /** Publishes awaiting a confirm before further callers wait. */
  maxInFlight: number;
  /** Longest a `publish()` may take (waiting for a slot + the confirm). */
  confirmTimeoutMs: number;
}

/** What the rest of the hub needs from a publisher. */
export interface Publisher {
  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options?: Options.Publish,
  ): Promise<void>;
}

/** Source of the connection's `blocked` / `unblocked` events (the ChannelModel). */
export type BlockedEvents = Pick<EventEmitter, 'on' | 'off'>;

interface Unconfirmed {
  exchange: string;
  routingKey: string;
  messageId: unknown;
  mandatory: boolean;
  /** Set when the broker returned this mandatory message as unroutable; its ack follows. */
  returned?: string;
}

interface SlotWaiter {
  /** Start the publish; false if the caller already gave up (timeout). */
  start(): boolean;
  fail(error: PublishError): void;
}

function target(exchange: string, routingKey: string): string {
  return exchange === '' ? `queue ${routingKey}` : `exchange ${exchange} (key "${routingKey}")`;
}

export class ConfirmPublisher implements Publisher {
  private readonly options: ConfirmPublisherOptions;
  private readonly unconfirmed = new Set<Unconfirmed>();
  private readonly waiters: SlotWaiter[] = [];
  private readonly pending = new Set<Promise<void>>();
  private draining = false;
  private downReason?: string;
  private blockedReason?: string;
  private closing = false;

  /** Open a confirm channel on `model` and follow the connection's blocked state. */
  static async create(
    model: ChannelModel,
    options: Partial<ConfirmPublisherOptions> = {},
  ): Promise<ConfirmPublisher> {
    const channel = await model.createConfirmChannel();
    const publisher = new ConfirmPublisher(channel, options, model);
    // The ChannelModel only forwards blocked/unblocked events; a connection that was already
    // blocked before we started listening shows up in the underlying connection's flag.
    if ((model.connection as { blocked?: boolean }).blocked === true) {
      publisher.blockedReason = 'the broker has blocked the connection';
    }
    return publisher;
  }

  constructor(
    private readonly channel: ConfirmChannel,
    options: Partial<ConfirmPublisherOptions> = {},
    private readonly connectionEvents?: BlockedEvents,
  ) {
    this.options = {
      maxInFlight: options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
      confirmTimeoutMs: options.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS,
    };
    if (!Number.isInteger(this.options.maxInFlight) || this.options.maxInFlight < 1) {
      throw new RangeError(`maxInFlight = ${this.options.maxInFlight} must be a positive integer`);
    }
    if (!(this.options.confirmTimeoutMs > 0)) {
      throw new RangeError(`confirmTimeoutMs = ${this.options.confirmTimeoutMs} must be positive`);
    }
    channel.on('error', this.onChannelError);
    channel.on('close', this.onChannelClose);
    channel.on('drain', this.onDrain);
    channel.on('return', this.onReturn);
    connectionEvents?.on('blocked', this.onBlocked);
    connectionEvents?.on('unblocked', this.onUnblocked);
  }

  /** True when a publish can be confirmed now: channel open, connection not blocked, not closing. */
  get ready(): boolean {
    return this.notReadyReason === undefined;
  }

  /** Why `ready` is false, for health output and error messages; undefined when ready. */
  get notReadyReason(): string | undefined {
    if (this.closing) return 'the publisher is closed';
    return this.downReason ?? this.blockedReason;
  }

  /** Publishes sent and awaiting a broker confirm (never above maxInFlight). */
  get inFlight(): number {
    return this.unconfirmed.size;
  }

  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish = {},
  ): Promise<void> {
    const notReady = this.notReadyReason;
    if (notReady !== undefined) {
      return Promise.reject(
        new PublishError(
          'not-ready',
          `cannot publish to ${target(exchange, routingKey)}: ${notReady}`,
        ),
      );
    }
    const result = new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => {
        this.removeWaiter(waiter);
        settle(
          new PublishError(
            'timeout',
            `the broker did not confirm a publish to ${target(exchange, routingKey)} within ` +
              `${this.options.confirmTimeoutMs} ms (${this.inFlight} in flight)`,
          ),
        );
      }, this.options.confirmTimeoutMs);
      const waiter: SlotWaiter = {
        start: () => {
          if (settled) return false;
          this.send(exchange, routingKey, content, options, settle);
          return true;
        },
        fail: settle,
      };
      this.waiters.push(waiter);
      this.pump();
    });
    const tracked = result.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(tracked);
    void tracked.then(() => this.pending.delete(tracked));
    return result;
  }

  /**
   * Resolves once every publish accepted so far has settled (confirmed or failed; each failure is
   * reported to its own caller). Like `waitForConfirms`, but never rejects.
   */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Stop accepting publishes, wait for those in flight, close the channel. Idempotent. */
  async close(): Promise<void> {
    this.closing = true;
    await this.flush();
    this.connectionEvents?.off('blocked', this.onBlocked);
    this.connectionEvents?.off('unblocked', this.onUnblocked);
    if (this.downReason === undefined) {
      this.downReason = 'the publisher is closed';
      try {
        await this.channel.close();
      } catch {
        // Already closing or closed underneath us (connection lost): nothing left to release.
      }
    }
  }

  /** Start waiting publishes while the window has room and the socket is not draining. */
  private pump(): void {
    while (
      this.waiters.length > 0 &&
      this.unconfirmed.size < this.options.maxInFlight &&
      !this.draining
    ) {
      const notReady = this.notReadyReason;
      if (notReady !== undefined && !this.closing) {
        this.failWaiters('not-ready', notReady);
        return;
      }
      this.waiters.shift()?.start();
    }
  }

  private send(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish,
    settle: (error?: Error) => void,
  ): void {
    const entry: Unconfirmed = {
      exchange,
      routingKey,
      messageId: options.messageId,
      mandatory: options.mandatory === true,
    };
    this.unconfirmed.add(entry);
    const onConfirm = (error: unknown): void => {
      this.unconfirmed.delete(entry);
      if (error) {
        const nacked = error instanceof Error && error.message === 'message nacked';
        settle(
          nacked
            ? new PublishError(
                'nacked',
                `the broker refused a publish to ${target(exchange, routingKey)} (nack)`,
              )
            : new PublishError(
                'channel-closed',
                `the channel closed before the broker confirmed a publish to ${target(exchange, routingKey)}` +
                  (this.downReason ? ` (${this.downReason})` : ''),
                { cause: error },
              ),
        );
      } else if (entry.returned !== undefined) {
        settle(
          new PublishError(
            'unroutable',
            `${target(exchange, routingKey)} routed the message to no queue (${entry.returned}) — ` +
              'is the topology declared? see declareTopology in libs/messaging',
          ),
        );
      } else {
        settle();
      }
      this.pump();
    };
    let writable: boolean;
    try {
      writable = this.channel.publish(exchange, routingKey, content, options, onConfirm);
    } catch (error) {
      // Thrown before the confirm callback was registered: no confirm will come for it.
      this.unconfirmed.delete(entry);
      const closed = error instanceof Error && error.name === 'IllegalOperationError';
      settle(
        closed
          ? new PublishError(
              'channel-closed',
              `cannot publish to ${target(exchange, routingKey)}: ${error.message}`,
              {
                cause: error,
              },
            )
          : (error as Error),
      );
      return;
    }
    if (!writable) this.draining = true;
  }

  private removeWaiter(waiter: SlotWaiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
  }

  private failWaiters(reason: PublishFailure, why: string): void {
    for (const waiter of this.waiters.splice(0)) {
      waiter.fail(new PublishError(reason, `cannot publish: ${why}`));
    }
  }

  private readonly onChannelError = (error: Error): void => {
    this.downReason ??= `channel error: ${error.message}`;
  };

  private readonly onChannelClose = (): void => {
    this.downReason ??= 'the channel closed';
    this.failWaiters('channel-closed', this.downReason);
  };

  private readonly onDrain = (): void => {
    this.draining = false;
    this.pump();
  };

  private readonly onBlocked = (reason?: string): void => {
    this.blockedReason = `the broker has blocked the connection${reason ? ` (${reason})` : ''}`;
    this.failWaiters('not-ready', this.blockedReason);
  };

  private readonly onUnblocked = (): void => {
    this.blockedReason = undefined;
    this.pump();
  };

  private readonly onReturn = (message: Message): void => {
    const { exchange, routingKey } = message.fields;
    const fields = message.fields as Message['fields'] & { replyCode?: number; replyText?: string };
    for (const entry of this.unconfirmed) {
      if (
        entry.mandatory &&
        entry.returned === undefined &&
        entry.exchange === exchange &&
        entry.routingKey === routingKey &&
        entry.messageId === message.properties.messageId
      ) {
        entry.returned = `${fields.replyCode ?? ''} ${fields.replyText ?? 'NO_ROUTE'}`.trim();
        return;
      }
    }
  };
}
