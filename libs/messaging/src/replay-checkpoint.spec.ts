import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkpointFile,
  readCheckpoint,
  writeCheckpoint,
  type ReplayCheckpoint,
} from './replay-checkpoint';

describe('replay checkpoints', () => {
  let dir: string;
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'exhub-cp-')), 'nested', 'replay');
  });
  afterEach(() => rmSync(join(dir, '../..'), { recursive: true, force: true }));

  const checkpoint: ReplayCheckpoint = {
    name: 'fix-disputes',
    createdAt: '2026-03-14T10:00:00.000Z',
    updatedAt: '2026-03-14T10:01:00.000Z',
    request: {
      prefix: 'exhub',
      from: '2026-03-14T09:00:00.000Z',
      to: '2026-03-14T10:00:00.000Z',
      connector: 'stripe',
      ratePerSecond: 20,
    },
    endOffset: 120,
    lastOffset: 57,
    scanned: 58,
    matched: 12,
    published: 12,
    done: false,
  };

  it('writes (creating the folder) and reads back a checkpoint, leaving no temp file', async () => {
    const file = await writeCheckpoint(dir, checkpoint);
    expect(file).toBe(join(dir, 'fix-disputes.json'));
    expect(await readCheckpoint(dir, 'fix-disputes')).toEqual(checkpoint);
    expect(readdirSync(dir)).toEqual(['fix-disputes.json']);
  });

  it('says how to start a replay when the name is unknown', async () => {
    await expect(readCheckpoint(dir, 'nope')).rejects.toThrow(
      /no replay checkpoint "nope" .* exhub replay --name nope/,
    );
  });

  it('refuses a file that is not a checkpoint, naming it', async () => {
    await writeCheckpoint(dir, checkpoint);
    writeFileSync(join(dir, 'broken.json'), '{"hello": 1}');
    await expect(readCheckpoint(dir, 'broken')).rejects.toThrow(
      /broken\.json is not a replay checkpoint/,
    );
  });

  it('refuses names that are not plain file names', () => {
    expect(() => checkpointFile(dir, '../etc/passwd')).toThrow(
      /replay name "..\/etc\/passwd" must be/,
    );
  });
});
