import { sampleException } from '../testing/sample-exception';
import { KeyProbes } from './key-probes';
import type { KyselyStore } from './kysely-store';
import { openStore } from './open-store';
import { PreparedQueries } from './prepared';

describe('KeyProbes (SQLite)', () => {
  let store: KyselyStore;
  const key = (value: string) => ({ kind: 'party', value });

  beforeAll(async () => {
    store = (await openStore('sqlite::memory:')) as KyselyStore;
    const hot = Array.from({ length: 10 }, (_, i) => [`h${i}`, 'cus_hot']);
    for (const [id, party] of [['a', 'cus_1'], ['b', 'cus_1'], ['c', 'cus_2'], ...hot]) {
      await store.upsertException(sampleException({ id, score: 30, parties: [party] }), {
        actor: 'pipeline',
      });
    }
  });
  afterAll(() => store.close());

  const probes = () => {
    const alone: Array<[number, string | undefined]> = [];
    const p = new KeyProbes(store.db, new PreparedQueries(), async (keys, excludeId) => {
      alone.push([keys.length, excludeId]);
      return true;
    });
    return { p, alone };
  };

  it('answers the probes of one turn with one statement, each as its own would', async () => {
    const { p, alone } = probes();
    const answers = await Promise.all([
      p.probe([key('cus_1')], 'a'),
      p.probe([key('cus_2')], 'c'),
      p.probe([key('cus_2')], 'a'),
      p.probe([key('cus_2')], undefined),
      p.probe([key('nobody'), key('cus_2')], 'c'),
      p.probe([key('nobody'), key('cus_1')], 'c'),
      p.probe([key('nobody')], undefined),
    ]);
    expect(answers).toEqual([true, false, true, true, false, true, false]);
    expect(p.stats).toEqual({ statements: 1, probes: 7 });
    expect(alone).toEqual([]);
  });

  it('takes at most 32 distinct keys per statement', async () => {
    const { p } = probes();
    const many = Array.from({ length: 40 }, (_, i) => p.probe([key(`k${i}`), key('cus_1')], 'a'));
    expect(await Promise.all(many)).toEqual(many.map(() => true));
    expect(p.stats).toEqual({ statements: 2, probes: 40 });
  });

  it('runs a lone probe as its own statement, and probes of later turns in their own', async () => {
    const { p, alone } = probes();
    expect(await p.probe([key('cus_1')], 'a')).toBe(true);
    expect(await p.probe([key('cus_1'), key('cus_2')], undefined)).toBe(true);
    expect(alone).toEqual([
      [1, 'a'],
      [2, undefined],
    ]);
    expect(p.stats).toEqual({ statements: 2, probes: 2 });
  });

  it('asks its own probe for a caller the bounded read may have missed a holder of', async () => {
    const { p, alone } = probes();
    // Two keys: 8 rows at most, and cus_hot has 10 holders.
    const answers = await Promise.all([
      p.probe([key('cus_hot')], 'h1'),
      p.probe([key('nobody')], 'x'),
    ]);
    // The first found another holder; the second is answered by its own probe (the stub's true).
    expect(answers).toEqual([true, true]);
    expect(alone).toEqual([[1, 'x']]);
    expect(p.stats).toEqual({ statements: 2, probes: 2 });
  });

  it('fails every probe of a statement that fails', async () => {
    const closed = (await openStore('sqlite::memory:')) as KyselyStore;
    await closed.close();
    const broken = new KeyProbes(closed.db, new PreparedQueries(), async () => false);
    const both = [broken.probe([key('cus_1')], 'a'), broken.probe([key('cus_2')], 'c')];
    for (const r of await Promise.allSettled(both)) expect(r.status).toBe('rejected');
    expect(broken.stats.statements).toBe(1);
  });
});
