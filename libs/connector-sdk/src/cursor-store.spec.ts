import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCursorStore } from './cursor-store';

describe('FileCursorStore', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cursors-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('persists cursors per connector across instances (a restart resumes)', async () => {
    const file = join(dir, 'nested/cursors.json');
    const a = new FileCursorStore(file);
    await Promise.all([a.put('sap-s4', { watermark: 1 }), a.put('netsuite', 'x')]);
    const b = new FileCursorStore(file);
    expect(await b.get('sap-s4')).toEqual({ watermark: 1 });
    expect(await b.get('netsuite')).toBe('x');
    expect(await b.get('other')).toBeUndefined();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      'sap-s4': { watermark: 1 },
      netsuite: 'x',
    });
  });

  it('names the file and the fix when it is corrupt', async () => {
    const file = join(dir, 'cursors.json');
    writeFileSync(file, '{not json');
    await expect(new FileCursorStore(file).get('sap-s4')).rejects.toThrow(
      /cursors\.json is unreadable.*fix or delete it/,
    );
  });
});
