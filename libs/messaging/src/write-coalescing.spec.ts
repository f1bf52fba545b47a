import { dirname, join } from 'node:path';
import { Duplex, PassThrough } from 'node:stream';
import { coalesceFrameWrites } from './write-coalescing';

// amqplib's own connection and multiplexer (not in its package exports: loaded by file).
const amqplibDir = dirname(require.resolve('amqplib'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Connection } = require(join(amqplibDir, 'lib/connection.js')) as {
  Connection: new (underlying: Duplex) => { muxer: unknown; stream: Duplex };
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Mux } = require(join(amqplibDir, 'lib/mux.js')) as {
  Mux: new (out: Duplex) => { pipeFrom(readable: PassThrough): void };
};

/** A socket stand-in that records each call into the kernel: one entry per write or writev. */
class RecordingSocket extends Duplex {
  readonly calls: Buffer[][] = [];
  constructor(highWaterMark?: number) {
    super({ writableHighWaterMark: highWaterMark });
  }
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.calls.push([chunk]);
    done();
  }
  override _writev(chunks: { chunk: Buffer }[], done: () => void): void {
    this.calls.push(chunks.map((c) => c.chunk));
    done();
  }
  get bytes(): Buffer {
    return Buffer.concat(this.calls.flat());
  }
}

/** Frames queued on two channels in one tick, as amqplib queues publishes and acks. */
function queueFrames(mux: { pipeFrom(readable: PassThrough): void }, count: number): Buffer[] {
  const channels = [new PassThrough({ objectMode: true }), new PassThrough({ objectMode: true })];
  for (const channel of channels) mux.pipeFrom(channel);
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const frame = Buffer.from(`frame-${i};`);
    frames.push(frame);
    channels[i % 2].write(frame);
  }
  return frames;
}

const nextPass = () => new Promise((resolve) => setImmediate(resolve));

describe('coalesceFrameWrites', () => {
  it("recognises amqplib's connection (its Mux and socket stream)", () => {
    const connection = new Connection(new RecordingSocket());
    expect(coalesceFrameWrites(connection)).toBe(true);
    expect(coalesceFrameWrites(connection)).toBe(true); // idempotent
  });

  it.each([undefined, null, {}, { muxer: {}, stream: new PassThrough() }, { muxer: 1 }])(
    'leaves anything else alone: %p',
    (value) => {
      expect(coalesceFrameWrites(value)).toBe(false);
    },
  );

  it('hands the frames of one pass to the socket in one writev, bytes and order unchanged', async () => {
    const plain = new RecordingSocket();
    queueFrames(new Mux(plain), 8);
    await nextPass();
    await nextPass();
    // amqplib alone: one socket write per frame.
    expect(plain.calls).toHaveLength(8);

    const socket = new RecordingSocket();
    const connection = { stream: socket, muxer: new Mux(socket) };
    expect(coalesceFrameWrites(connection)).toBe(true);
    const frames = queueFrames(connection.muxer, 8);
    await nextPass();
    await nextPass();
    expect(socket.calls).toHaveLength(1);
    expect(socket.bytes.toString()).toBe(plain.bytes.toString());
    expect(socket.bytes.toString()).toBe(Buffer.concat(frames).toString());
    expect(socket.writableCorked).toBe(0);
  });

  it('keeps backpressure: stops at the high-water mark, resumes on drain, loses nothing', async () => {
    const socket = new RecordingSocket(32);
    const connection = { stream: socket, muxer: new Mux(socket) };
    coalesceFrameWrites(connection);
    const frames = queueFrames(connection.muxer, 40);
    for (let i = 0; i < 20; i++) await nextPass();
    expect(socket.calls.length).toBeGreaterThan(1);
    expect(socket.calls.every((call) => call.length > 1)).toBe(true);
    expect(socket.bytes.toString()).toBe(Buffer.concat(frames).toString());
    expect(socket.writableCorked).toBe(0);
  });
});
