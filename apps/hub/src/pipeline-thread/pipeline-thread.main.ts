/**
 * Entry point of the pipeline worker thread (pipeline-thread.ts starts it; EXHUB_WORKER_THREAD).
 * Builds its own runtime from the same environment with the `pipeline` role alone — its own
 * broker connection, publisher and store connection — and the hub's modules without HTTP
 * (a NestJS application context), then answers the main thread's questions (readiness, metrics)
 * and drains on its `shutdown`. Logs go to the process's stdout in the same JSON format, with
 * `"thread":"pipeline"`.
 */
import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { loadEnvSettings, type EnvSettings, type Role } from '@exhub/config';
import { createLogger, initTracing, type HubTracer } from '@exhub/observability';
import { WriteGate } from '@exhub/store';
import { nestLogger } from '../nest-logger';
import { createRuntime, type HubRuntime } from '../hub-runtime';
import { HubModule } from '../hub.module';
import { infraChecks } from '../http/readiness-checks';
import { IngressLoad } from '../ingest/ingress-load';
import { PipelineService } from '../pipeline/pipeline.service';
import { PIPELINE_THREAD_NAME, THREAD_LABEL } from './merge-metrics';
import { lowerThreadPriority } from './thread-priority';
import type { FromThread, PipelineThreadData, ToThread } from './protocol';

const PIPELINE_ONLY: ReadonlySet<Role> = new Set<Role>(['pipeline']);

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('pipeline-thread.main runs as a worker thread only');
  const data = workerData as PipelineThreadData;
  const env: EnvSettings = { ...loadEnvSettings(), roles: PIPELINE_ONLY };
  const logger = createLogger(env.logLevel, { [THREAD_LABEL]: PIPELINE_THREAD_NAME });
  const send = (message: FromThread): void => port.postMessage(message);
  // Before any work: when the cores are busy, HTTP ingress gets the CPU first (issue 17).
  const priority = lowerThreadPriority(env.pipelineThreadNice);
  if (priority.applied) {
    logger.info(
      { nice: env.pipelineThreadNice, tid: priority.tid },
      'pipeline worker thread runs below the HTTP thread (EXHUB_PIPELINE_THREAD_NICE)',
    );
  } else if (env.pipelineThreadNice > 0) {
    logger.warn(
      { nice: env.pipelineThreadNice },
      `pipeline worker thread keeps the process's priority: ${priority.reason}`,
    );
  }

  let runtime: HubRuntime | undefined;
  let app: INestApplicationContext | undefined;
  let tracer: HubTracer | undefined;
  let stopping = false;
  let isReleased = false;
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const build = async (): Promise<void> => {
    await released;
    try {
      // The tracer is per isolate: the thread exports the pipeline's spans itself (OTEL_*).
      tracer = await initTracing(process.env, data.version);
      runtime = await createRuntime(env, data.version, {
        logger,
        ingressLoad: data.ingressLoad && new IngressLoad(data.ingressLoad),
        writeGate: data.writeGate && new WriteGate(data.writeGate),
      });
      runtime.store.watchWriteFailure((failure) => send({ kind: 'store-write', failure }));
      app = await NestFactory.createApplicationContext(
        HubModule.forRoot(runtime, { headless: true }),
        { logger: nestLogger(logger) },
      );
      await app.init();
    } catch (err) {
      logger.error({ err }, `pipeline worker thread could not start: ${(err as Error).message}`);
      await runtime?.close().catch(() => undefined);
      // The main thread logs the exit and starts the thread again with backoff.
      process.exit(1);
    }
  };
  // Waits for `build` from the main thread; the modules above are loaded meanwhile.
  const building = build();

  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // Told to stop before it was told to build: nothing to drain.
    if (!isReleased) process.exit(0);
    await building;
    try {
      // Consumers cancelled and their in-flight deliveries acked (PipelineService, outcomes,
      // DLQ ledger), then the publisher flushed, the connection and the store closed (CoreModule).
      await app?.close();
      await tracer?.shutdown();
    } catch (err) {
      logger.error({ err }, 'pipeline worker thread shutdown failed');
      process.exit(1);
    }
    process.exit(0);
  };

  const answer = async (id: number, what: 'readiness' | 'metrics'): Promise<void> => {
    await building;
    if (!runtime || !app) return;
    if (what === 'metrics') {
      runtime.metrics.brokerReady.set(runtime.publisher.ready ? 1 : 0);
      send({ kind: 'answer', id, metrics: await runtime.metrics.registry.getMetricsAsJSON() });
      return;
    }
    const consumer = app.get(PipelineService).workerCheck() ?? {
      ok: false,
      detail: 'no pipeline worker in this thread',
    };
    const infra = await infraChecks(runtime);
    const checks = { ...infra, consumer };
    const failing = Object.entries(checks).filter(([, c]) => !c.ok);
    send({
      kind: 'answer',
      id,
      readiness: {
        pipeline:
          failing.length === 0
            ? { ok: true, detail: `${consumer.detail} in its own thread` }
            : {
                ok: false,
                detail: `pipeline worker thread: ${failing.map(([name, c]) => `${name}: ${c.detail}`).join('; ')}`,
              },
        store: infra.store,
      },
    });
  };

  port.on('message', (message: ToThread) => {
    if (message.kind === 'shutdown') void stop();
    else if (message.kind === 'build') {
      isReleased = true;
      release();
    } else void answer(message.id, message.what);
  });

  await building;
  if (!stopping) send({ kind: 'started' });
}

void main();
