import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidPayloadError, TransientError } from '../../libs/connector-sdk/src/errors';
import {
  DropFolderWatcher,
  FAILED_DIR,
  PROCESSED_DIR,
  REASON_SUFFIX,
} from './iso20022.drop-folder';

const WAIT_MS = 5000;

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('DropFolderWatcher', () => {
  let folder: string;
  let watcher: DropFolderWatcher | undefined;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'exhub-drop-'));
  });
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    rmSync(folder, { recursive: true, force: true });
  });

  function start(submit: (raw: Buffer, name: string) => Promise<unknown>): Promise<void> {
    watcher = new DropFolderWatcher({ folder, submit, stabilityMs: 50, retryMs: 100 });
    return watcher.start();
  }

  it('publishes files present at start and new ones, byte for byte, then moves them to processed/', async () => {
    writeFileSync(join(folder, 'early.xml'), '<a>1</a>');
    const got: [string, string][] = [];
    await start(async (raw, name) => got.push([name, raw.toString('utf8')]));
    writeFileSync(join(folder, 'late.xml'), '<a>2</a>\n');
    await until(() => existsSync(join(folder, PROCESSED_DIR, 'late.xml')));
    await until(() => existsSync(join(folder, PROCESSED_DIR, 'early.xml')));
    expect(got.sort()).toEqual([
      ['early.xml', '<a>1</a>'],
      ['late.xml', '<a>2</a>\n'],
    ]);
    expect(existsSync(join(folder, 'late.xml'))).toBe(false);
  });

  it('moves a refused file to failed/ with a reason file naming the problem', async () => {
    await start(async () => {
      throw new InvalidPayloadError(
        'parse',
        "connector 'bank': the XML document contains a <!DOCTYPE declaration",
        [{ pointer: '', rule: 'xml_declaration', message: 'refused' }],
      );
    });
    writeFileSync(join(folder, 'xxe.xml'), '<!DOCTYPE a []><a/>');
    const reason = join(folder, FAILED_DIR, `xxe.xml${REASON_SUFFIX}`);
    await until(() => existsSync(reason));
    expect(existsSync(join(folder, FAILED_DIR, 'xxe.xml'))).toBe(true);
    expect(readFileSync(reason, 'utf8')).toBe(
      "connector 'bank': the XML document contains a <!DOCTYPE declaration\n/: xml_declaration — refused\n",
    );
  });

  it('ignores files that are not .xml', async () => {
    const submit = jest.fn(async () => undefined);
    await start(submit);
    writeFileSync(join(folder, 'notes.txt'), 'hello');
    writeFileSync(join(folder, 'x.xml'), '<a/>');
    await until(() => existsSync(join(folder, PROCESSED_DIR, 'x.xml')));
    expect(submit).toHaveBeenCalledTimes(1);
    expect(existsSync(join(folder, 'notes.txt'))).toBe(true);
  });

  it('keeps a file the broker did not confirm and tries it again', async () => {
    let attempts = 0;
    await start(async () => {
      attempts += 1;
      if (attempts === 1) throw new TransientError('publish', 'broker did not confirm');
    });
    writeFileSync(join(folder, 'retry.xml'), '<a/>');
    await until(() => existsSync(join(folder, PROCESSED_DIR, 'retry.xml')));
    expect(attempts).toBe(2);
  });

  it('never overwrites an earlier file of the same name', async () => {
    await start(async () => undefined);
    writeFileSync(join(folder, 'same.xml'), '<a>first</a>');
    await until(() => existsSync(join(folder, PROCESSED_DIR, 'same.xml')));
    writeFileSync(join(folder, 'same.xml'), '<a>second</a>');
    await until(() => !existsSync(join(folder, 'same.xml')));
    expect(readFileSync(join(folder, PROCESSED_DIR, 'same.xml'), 'utf8')).toBe('<a>first</a>');
  });
});
