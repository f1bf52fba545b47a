/**
 * One socket write per batch of frames instead of one per frame.
 *
 * amqplib queues every channel's frames (a publish is one chunk: method, header and body) and its
 * connection-level `Mux` copies them to the socket in one pass per tick (`_readIncoming`), calling
 * `socket.write` once per chunk. With Nagle off (`noDelay`, see managed-connection.ts) each of
 * those is a syscall and a TCP segment of its own: at a few thousand publishes a second the hub
 * spent ~18 % of its CPU in those writes (the ingest bench's profile). Corking the socket for the pass makes Node hand all of the pass's chunks to
 * the kernel at once (`writev`) when it is uncorked at the end of the same pass: the same bytes in
 * the same order, sent in the same tick — nothing is delayed or held back.
 *
 * Backpressure is unchanged: while corked, `write` still returns false once the socket's buffer
 * is over its high-water mark, the Mux stops there and resumes on `drain` as before.
 *
 * This reaches into amqplib's connection (`connection.muxer`, `connection.stream`), which is not
 * part of its typed API: when those are not what is expected (another amqplib version), nothing
 * is changed and frames are written one by one, as amqplib does by itself.
 */

interface CorkableStream {
  cork(): void;
  uncork(): void;
}

interface MuxLike {
  _readIncoming(): void;
}

const COALESCED = Symbol('exhub.coalescedWrites');

function isCorkable(value: unknown): value is CorkableStream {
  const v = value as Partial<CorkableStream> | null;
  return typeof v?.cork === 'function' && typeof v.uncork === 'function';
}

function isMux(value: unknown): value is MuxLike & { [COALESCED]?: true } {
  return typeof (value as Partial<MuxLike> | null)?._readIncoming === 'function';
}

/**
 * Make an amqplib connection (`ChannelModel.connection`) write each of its Mux's passes with one
 * socket write. Returns whether it did (false: not an amqplib connection shaped as expected).
 * Idempotent.
 */
export function coalesceFrameWrites(connection: unknown): boolean {
  const { muxer, stream } = (connection ?? {}) as { muxer?: unknown; stream?: unknown };
  if (!isMux(muxer) || !isCorkable(stream)) return false;
  if (muxer[COALESCED]) return true;
  const readIncoming = muxer._readIncoming;
  muxer._readIncoming = function coalescedReadIncoming(this: MuxLike): void {
    stream.cork();
    try {
      readIncoming.call(this);
    } finally {
      stream.uncork();
    }
  };
  muxer[COALESCED] = true;
  return true;
}
