import pino from 'pino';
import { loadEnvSettings } from '@exhub/config';
import { usePipelineThread } from './use-thread';

function decide(env: NodeJS.ProcessEnv): { threaded: boolean; warnings: string[] } {
  const warnings: string[] = [];
  const logger = pino(
    { level: 'warn' },
    { write: (line: string) => void warnings.push(JSON.parse(line).msg as string) },
  );
  return { threaded: usePipelineThread(loadEnvSettings(env), logger), warnings };
}

const FILE_STORE = 'sqlite:/var/lib/exhub/exhub.db';

describe('usePipelineThread: where the pipeline worker runs', () => {
  it('in a thread of its own beside the ingress (EXHUB_ROLES=all, the default)', () => {
    expect(decide({ EXHUB_STORE_URL: FILE_STORE }).threaded).toBe(true);
    expect(decide({ EXHUB_STORE_URL: FILE_STORE, EXHUB_ROLES: 'ingress,pipeline' }).threaded).toBe(
      true,
    );
  });

  it('on the main thread for the pipeline role alone: a second isolate would only cost memory', () => {
    expect(decide({ EXHUB_STORE_URL: FILE_STORE, EXHUB_ROLES: 'pipeline' }).threaded).toBe(false);
  });

  it('nowhere without the pipeline role, and on the main thread with EXHUB_WORKER_THREAD=off', () => {
    expect(decide({ EXHUB_STORE_URL: FILE_STORE, EXHUB_ROLES: 'ingress' }).threaded).toBe(false);
    expect(decide({ EXHUB_STORE_URL: FILE_STORE, EXHUB_WORKER_THREAD: 'off' }).threaded).toBe(
      false,
    );
  });

  it('on the main thread, with a warning, for an in-memory store only one connection sees', () => {
    const { threaded, warnings } = decide({ EXHUB_STORE_URL: 'sqlite::memory:' });
    expect(threaded).toBe(false);
    expect(warnings).toEqual([
      expect.stringMatching(/sqlite::memory: is private to one connection/),
    ]);
  });
});
