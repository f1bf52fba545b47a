import { parseReplayRequest, parseIsoTime, RequestError } from './replay-request';

function issuesOf(body: unknown): { pointer: string; rule: string }[] {
  try {
    parseReplayRequest(typeof body === 'string' ? body : JSON.stringify(body));
  } catch (error) {
    if (error instanceof RequestError) return error.issues;
    throw error;
  }
  throw new Error('expected a RequestError');
}

describe('parseIsoTime', () => {
  it('accepts dates and zoned date-times, and nothing else', () => {
    expect(parseIsoTime('2026-03-14T09:30:00Z')?.toISOString()).toBe('2026-03-14T09:30:00.000Z');
    expect(parseIsoTime('2026-03-14T10:30:00+01:00')?.toISOString()).toBe(
      '2026-03-14T09:30:00.000Z',
    );
    expect(parseIsoTime('2026-03-14')?.toISOString()).toBe('2026-03-14T00:00:00.000Z');
    expect(parseIsoTime('2026-03-14T09:30:00')).toBeUndefined(); // no zone: ambiguous
    expect(parseIsoTime('yesterday')).toBeUndefined();
    expect(parseIsoTime('2026-02-30T00:00:00Z')).toBeUndefined();
  });
});

describe('parseReplayRequest', () => {
  it('parses an archive replay', () => {
    const r = parseReplayRequest(
      Buffer.from(
        JSON.stringify({
          source: 'archive',
          from: '2026-03-14T09:00:00Z',
          to: '2026-03-14T10:00:00Z',
          connector: 'stripe',
          filter: 'type = "charge.dispute.created"',
          rate: 5,
          dryRun: true,
        }),
      ),
    );
    expect(r).toEqual({
      source: 'archive',
      from: new Date('2026-03-14T09:00:00Z'),
      to: new Date('2026-03-14T10:00:00Z'),
      connector: 'stripe',
      filter: 'type = "charge.dispute.created"',
      rate: 5,
      dryRun: true,
    });
  });

  it('parses a DLQ replay by class or ids', () => {
    expect(parseReplayRequest('{"source":"dlq","errorClass":"INVALID_PAYLOAD"}')).toEqual({
      source: 'dlq',
      errorClass: 'INVALID_PAYLOAD',
      dryRun: false,
    });
    expect(parseReplayRequest('{"source":"dlq","ids":["a","b"],"dryRun":false}')).toEqual({
      source: 'dlq',
      ids: ['a', 'b'],
      dryRun: false,
    });
  });

  it('names each bad field with a JSON pointer', () => {
    expect(issuesOf({ source: 'archive', from: 'yesterday', rate: -1, dryRun: 'yes' })).toEqual([
      expect.objectContaining({ pointer: '/dryRun', rule: 'type' }),
      expect.objectContaining({ pointer: '/from', rule: 'format' }),
      expect.objectContaining({ pointer: '/rate', rule: 'minimum' }),
    ]);
    expect(issuesOf({ source: 'archive' })).toEqual([
      expect.objectContaining({ pointer: '/from', rule: 'required' }),
    ]);
    expect(
      issuesOf({ source: 'archive', from: '2026-03-14T10:00:00Z', to: '2026-03-14T09:00:00Z' }),
    ).toEqual([expect.objectContaining({ pointer: '/to', rule: 'range' })]);
    expect(issuesOf({ source: 'dlq' })).toEqual([
      expect.objectContaining({ pointer: '/errorClass', rule: 'required' }),
    ]);
    expect(issuesOf({ source: 'dlq', ids: [], errorClass: 'X', from: 'x' })).toEqual([
      expect.objectContaining({ pointer: '/from', rule: 'additionalProperties' }),
      expect.objectContaining({ pointer: '/ids', rule: 'type' }),
    ]);
    expect(issuesOf({ source: 'kafka' })).toEqual([
      expect.objectContaining({ pointer: '/source', rule: 'enum' }),
    ]);
    expect(issuesOf('not json')).toEqual([expect.objectContaining({ pointer: '', rule: 'json' })]);
    expect(issuesOf('')).toEqual([expect.objectContaining({ pointer: '', rule: 'required' })]);
  });
});
