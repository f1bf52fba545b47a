/**
 * The same flow built the way a NestJS user would: a microservice on Transport.RMQ whose
 * @EventPattern handler receives the source event and emits the result with a ClientProxy to the
 * downstream queue, acking once the emit completed. Stock @nestjs/microservices, no tuning
 * beyond a prefetch equal to the hub's. Run: `node nest-worker.js <amqp-url> <in-queue> <out-queue>`.
 */
import 'reflect-metadata';
import { Controller, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientProxy,
  ClientsModule,
  Ctx,
  EventPattern,
  MicroserviceOptions,
  Payload,
  RmqContext,
  Transport,
} from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';

const PREFETCH = 32;
const [url, inQueue, outQueue] = process.argv.slice(2);

@Controller()
class PipelineController {
  constructor(@Inject('DOWNSTREAM') private readonly downstream: ClientProxy) {}

  @EventPattern<string>('source-event')
  async handle(@Payload() event: unknown, @Ctx() ctx: RmqContext): Promise<void> {
    await lastValueFrom(this.downstream.emit('exception', event));
    ctx.getChannelRef().ack(ctx.getMessage());
  }
}

@Module({
  imports: [
    ClientsModule.register([
      {
        name: 'DOWNSTREAM',
        transport: Transport.RMQ,
        options: { urls: [url], queue: outQueue, queueOptions: { durable: true } },
      },
    ]),
  ],
  controllers: [PipelineController],
})
class WorkerModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(WorkerModule, {
    transport: Transport.RMQ,
    options: {
      urls: [url],
      queue: inQueue,
      queueOptions: { durable: true },
      noAck: false,
      prefetchCount: PREFETCH,
    },
    logger: false,
  });
  await app.listen();
  process.send?.('ready');
  process.once('SIGTERM', () => void app.close().finally(() => process.exit(0)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
