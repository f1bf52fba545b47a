import { StoreOpenError } from './errors';
import { parseStoreUrl, redactStoreUrl } from './store-url';

describe('store URLs', () => {
  it('reads the SQLite forms', () => {
    expect(parseStoreUrl('sqlite:./data/exhub.db')).toMatchObject({
      kind: 'sqlite',
      path: './data/exhub.db',
    });
    expect(parseStoreUrl('sqlite:///var/lib/exhub/exhub.db')).toMatchObject({
      kind: 'sqlite',
      path: '/var/lib/exhub/exhub.db',
    });
    expect(parseStoreUrl('sqlite::memory:')).toMatchObject({ kind: 'sqlite', path: ':memory:' });
    expect(() => parseStoreUrl('sqlite:')).toThrow(StoreOpenError);
  });

  it('reads PostgreSQL URLs and never shows their password', () => {
    for (const url of [
      'postgres://exhub:pa:ss@db:5432/exhub',
      'postgresql://exhub:pa:ss@db/exhub',
    ]) {
      const target = parseStoreUrl(url);
      expect(target.kind).toBe('postgres');
      expect(target.display).not.toContain('pa:ss');
      expect(target.display).toContain('exhub:***@db');
    }
    expect(redactStoreUrl('postgres://db/exhub')).toBe('postgres://db/exhub');
    expect(redactStoreUrl('postgres://user@db/exhub')).toBe('postgres://user@db/exhub');
  });
});
