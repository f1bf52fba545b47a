import { execFileSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidPayloadError, TransientError } from '@exhub/core';
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

  const warnings: { file: unknown; why: unknown }[] = [];
  function start(submit: (raw: Buffer, name: string) => Promise<unknown>): Promise<void> {
    warnings.length = 0;
    const log = {
      info: () => undefined,
      warn: (fields: Record<string, unknown>) =>
        warnings.push({ file: fields.file, why: fields.why }),
    };
    watcher = new DropFolderWatcher({ folder, submit, stabilityMs: 50, retryMs: 100, log });
    return watcher.start();
  }

  describe('reads only regular files really inside the folder', () => {
    let outside: string;
    beforeEach(() => {
      outside = mkdtempSync(join(tmpdir(), 'exhub-outside-'));
    });
    afterEach(() => rmSync(outside, { recursive: true, force: true }));

    /** Starts with the hostile entries in place, then drops a good file behind them. */
    async function runWith(setup: () => void): Promise<string[]> {
      setup();
      const submitted: string[] = [];
      await start(async (raw, name) => {
        submitted.push(`${name}:${raw.toString('utf8')}`);
      });
      writeFileSync(join(folder, 'good.xml'), '<a>ok</a>');
      await until(() => existsSync(join(folder, PROCESSED_DIR, 'good.xml')));
      return submitted;
    }

    it('skips and logs a symlink pointing outside the folder, never reading or copying its target', async () => {
      writeFileSync(join(outside, 'secret.xml'), '<secret>root:x:0:0</secret>');
      const submitted = await runWith(() => {
        symlinkSync(join(outside, 'secret.xml'), join(folder, 'passwd.xml'));
        symlinkSync('/etc/passwd', join(folder, 'etc-passwd.xml'));
      });
      expect(submitted).toEqual(['good.xml:<a>ok</a>']);
      expect(warnings).toEqual(
        expect.arrayContaining([
          { file: 'passwd.xml', why: 'it is a symbolic link, not a regular file' },
          { file: 'etc-passwd.xml', why: 'it is a symbolic link, not a regular file' },
        ]),
      );
      expect(readdirSync(join(folder, FAILED_DIR))).toEqual([]);
      expect(lstatSync(join(folder, 'passwd.xml')).isSymbolicLink()).toBe(true);
    });

    it('skips and logs a symlink to a file inside the folder', async () => {
      const submitted = await runWith(() => {
        writeFileSync(join(folder, 'real.txt'), '<inside/>');
        symlinkSync(join(folder, 'real.txt'), join(folder, 'alias.xml'));
      });
      expect(submitted).toEqual(['good.xml:<a>ok</a>']);
      expect(warnings).toContainEqual({
        file: 'alias.xml',
        why: 'it is a symbolic link, not a regular file',
      });
    });

    it('skips and logs a hard link (a regular file that may be any file on the disk)', async () => {
      writeFileSync(join(outside, 'secret.xml'), '<secret/>');
      const submitted = await runWith(() => {
        linkSync(join(outside, 'secret.xml'), join(folder, 'linked.xml'));
      });
      expect(submitted).toEqual(['good.xml:<a>ok</a>']);
      expect(warnings).toContainEqual({
        file: 'linked.xml',
        why: 'it has 2 hard links; copy the file instead',
      });
    });

    it('skips and logs a FIFO without stalling the files behind it', async () => {
      const submitted = await runWith(() => {
        execFileSync('mkfifo', [join(folder, 'pipe.xml')]);
      });
      expect(submitted).toEqual(['good.xml:<a>ok</a>']);
      expect(warnings).toContainEqual({
        file: 'pipe.xml',
        why: 'it is a FIFO (named pipe), not a regular file',
      });
    });

    it('skips and logs traversal-style and hidden names', async () => {
      const submitted = await runWith(() => {
        writeFileSync(join(folder, '..%2f..%2fetc.xml'), '<a/>');
        writeFileSync(join(folder, 'a..b.xml'), '<a/>');
        writeFileSync(join(folder, '..\\evil.xml'), '<a/>');
        writeFileSync(join(folder, '.hidden.xml'), '<a/>');
      });
      expect(submitted).toEqual(['good.xml:<a>ok</a>']);
      const why = 'its name has a leading dot, "..", a separator or a control character';
      expect(warnings).toEqual(
        expect.arrayContaining([
          { file: '..%2f..%2fetc.xml', why },
          { file: 'a..b.xml', why },
          { file: '..\\evil.xml', why },
          { file: '.hidden.xml', why },
        ]),
      );
    });
  });

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
