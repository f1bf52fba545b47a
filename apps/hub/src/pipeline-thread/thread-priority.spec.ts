import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { transformSync } from '@swc/core';
import { Worker } from 'node:worker_threads';
import { lowerThreadPriority } from './thread-priority';

const linux = process.platform === 'linux';

describe('lowerThreadPriority (EXHUB_PIPELINE_THREAD_NICE)', () => {
  (linux ? it : it.skip)(
    'lowers the calling thread alone: a worker thread at nice 10, the main thread unchanged',
    async () => {
      const before = getPriority(process.pid);
      // The module itself runs in the worker, compiled as Jest compiles it (a Worker has no
      // TypeScript loader of its own).
      const { code } = transformSync(readFileSync(join(__dirname, 'thread-priority.ts'), 'utf8'), {
        filename: 'thread-priority.ts',
        jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
        module: { type: 'commonjs' },
      });
      const source = `
        const { parentPort } = require('node:worker_threads');
        const module = { exports: {} };
        new Function('exports', 'require', 'module', ${JSON.stringify(code)})(module.exports, require, module);
        parentPort.postMessage(module.exports.lowerThreadPriority(10));
        setTimeout(() => {}, 2000);
      `;
      const worker = new Worker(source, { eval: true });
      try {
        const result = await new Promise<{ applied: boolean; tid?: number; reason?: string }>(
          (resolve, reject) => {
            worker.once('message', resolve);
            worker.once('error', reject);
          },
        );
        expect(result).toMatchObject({ applied: true });
        expect(result.tid).not.toBe(process.pid);
        // Read from outside the thread, by its id: the kernel has it at nice 10.
        expect(getPriority(result.tid!)).toBe(10);
        expect(getPriority(process.pid)).toBe(before);
      } finally {
        await worker.terminate();
      }
    },
  );

  it('does nothing at 0, and reports instead of throwing when the thread id cannot be read', () => {
    expect(lowerThreadPriority(0)).toEqual({
      applied: false,
      reason: 'EXHUB_PIPELINE_THREAD_NICE=0',
    });
    const failing = lowerThreadPriority(10, () => {
      throw new Error('ENOENT: /proc/thread-self');
    });
    expect(failing.applied).toBe(false);
    if (linux) expect(failing).toMatchObject({ reason: 'ENOENT: /proc/thread-self' });
  });
});
