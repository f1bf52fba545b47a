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
 *
 * Created on a `ManagedConnection`, the publisher recovers: when its channel or the connection is
 * lost, publishes awaiting a confirm on the dead channel reject at once (TRANSIENT, so ingress
 * answers 503 and the pipeline retries), `ready` is false, and a new confirm channel is opened as
 * soon as the connection is back. While the broker blocks the connection (memory or disk alarm)
 * `ready` is false, new publishes reject at once, and those already sent reject too: the broker
 * would not confirm them before the alarm clears.
 */
import type { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChannelModel, ConfirmChannel, Message, Options } from 'amqplib';
import { TransientError } from '@exhub/core';
import {
  DEFAULT_CHANNEL_REOPEN_DELAY_MS,
  DEFAULT_CHANNEL_REOPEN_MAX_DELAY_MS,
  DEFAULT_CONFIRM_STALL_MS,
  DEFAULT_CONFIRM_TIMEOUT_MS,
  DEFAULT_MAX_IN_FLIGHT,
} from './constants';
import { ManagedConnection } from './managed-connection';

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
  /** When it was written to the channel (Date.now()). */
  sentAt: number;
  /** Set when the broker returned this mandatory message as unroutable; its ack follows. */
  returned?: string;
  /** Settles the caller's promise (idempotent). */
  settle(error?: Error): void;
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
  private channel: ConfirmChannel;
  /** Set when created on a ManagedConnection: lost channels are re-opened on it. */
  private managed?: ManagedConnection;
  private reopening = false;
  private readonly stopReopen = new AbortController();

  /**
   * Open a confirm channel on `model` and follow the connection's blocked state. On a
   * `ManagedConnection` the publisher also re-opens its channel after a loss (see above).
   */
  static async create(
    model: ChannelModel | ManagedConnection,
    options: Partial<ConfirmPublisherOptions> = {},
  ): Promise<ConfirmPublisher> {
    const channel = await model.createConfirmChannel();
    const publisher = new ConfirmPublisher(channel, options, model);
    if (model instanceof ManagedConnection) {
      publisher.managed = model;
      publisher.blockedReason = model.blockedReason;
    } else if ((model.connection as { blocked?: boolean }).blocked === true) {
      // The ChannelModel only forwards blocked/unblocked events; a connection that was already
      // blocked before we started listening shows up in the underlying connection's flag.
      publisher.blockedReason = 'the broker has blocked the connection';
    }
    return publisher;
  }

  constructor(
    channel: ConfirmChannel,
    options: Partial<ConfirmPublisherOptions> = {},
    private readonly connectionEvents?: BlockedEvents,
  ) {
    this.channel = channel;
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
    this.listen(channel);
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
    if (this.downReason !== undefined && this.managed?.downReason !== undefined) {
      // The connection is the cause: say that (and that it is being recovered).
      const recovering = this.managed.state === 'disconnected' ? '; reconnecting' : '';
      return `${this.managed.downReason}${recovering}`;
    }
    return this.downReason ?? this.blockedReason;
  }

  /** Longest one `publish()` takes before it settles (confirmed, or rejected as timed out). */
  get confirmTimeoutMs(): number {
    return this.options.confirmTimeoutMs;
  }

  /**
   * Why publishes are not being confirmed although the channel is open (a stalled broker or
   * network): the oldest publish has waited `stallMs` or more. Undefined while confirms flow.
   */
  confirmStall(stallMs: number = DEFAULT_CONFIRM_STALL_MS, now = Date.now()): string | undefined {
    let oldest = now;
    for (const entry of this.unconfirmed) oldest = Math.min(oldest, entry.sentAt);
    const waited = now - oldest;
    if (waited < stallMs) return undefined;
    return `the broker has not confirmed a publish for ${waited} ms (${this.inFlight} awaiting a confirm)`;
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
    this.stopReopen.abort();
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
      sentAt: Date.now(),
      settle,
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

  /** Follow one channel's events; events of a channel that was replaced are ignored. */
  private listen(channel: ConfirmChannel): void {
    channel.on('error', (error: Error) => {
      if (channel === this.channel) this.downReason ??= `channel error: ${error.message}`;
    });
    channel.on('close', () => {
      if (channel !== this.channel) return;
      this.downReason ??= 'the channel closed';
      this.failWaiters('channel-closed', this.downReason);
      if (this.managed && !this.closing) void this.reopen();
    });
    channel.on('drain', () => {
      if (channel !== this.channel) return;
      this.draining = false;
      this.pump();
    });
    channel.on('return', this.onReturn);
  }

  /**
   * Open a new confirm channel on the managed connection (waiting while it recovers), with a
   * growing pause between failed attempts. Publishes still awaiting a confirm on the old channel
   * were rejected by amqplib when it closed.
   */
  private async reopen(): Promise<void> {
    const managed = this.managed;
    if (!managed || this.reopening) return;
    this.reopening = true;
    let delay = DEFAULT_CHANNEL_REOPEN_DELAY_MS;
    try {
      while (!this.closing && managed.state !== 'closed') {
        try {
          const channel = await managed.createConfirmChannel();
          if (this.closing) {
            await channel.close().catch(() => undefined);
            return;
          }
          this.channel = channel;
          this.listen(channel);
          this.draining = false;
          this.downReason = undefined;
          this.blockedReason = managed.blockedReason;
          this.pump();
          return;
        } catch {
          // Connection lost again while opening, or closed: wait and try again (or stop).
          await sleep(delay, undefined, { signal: this.stopReopen.signal }).catch(() => undefined);
          delay = Math.min(delay * 2, DEFAULT_CHANNEL_REOPEN_MAX_DELAY_MS);
        }
      }
    } finally {
      this.reopening = false;
    }
  }

  private readonly onBlocked = (reason?: string): void => {
    this.blockedReason = `the broker has blocked the connection${reason ? ` (${reason})` : ''}`;
    this.failWaiters('not-ready', this.blockedReason);
    // A blocked broker reads nothing more from this connection: what was sent is not confirmed
    // before the alarm clears. Fail those callers now (they retry; at-least-once) rather than
    // letting them wait out the confirm timeout.
    for (const entry of [...this.unconfirmed]) {
      this.unconfirmed.delete(entry);
      entry.settle(
        new PublishError(
          'not-ready',
          `the broker blocked the connection before it confirmed a publish to ${target(entry.exchange, entry.routingKey)} ` +
            '(it may still be delivered after the alarm clears)',
        ),
      );
    }
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
