import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CHARGEBACK_EXCEPTIONS, FINANCE_EXCEPTIONS } from './constants';
import { SubscriberModule } from './subscriber.module';
import { settingsFromEnv, subscriberTransport } from './subscriber.options';

/** A downstream workflow tool: every finance exception from the hub, through stock Transport.RMQ. */
async function main(): Promise<void> {
  const settings = settingsFromEnv();
  const transport = subscriberTransport(settings);
  const app = await NestFactory.createMicroservice(SubscriberModule.register(), transport);
  app.enableShutdownHooks();
  await app.listen();
  new Logger('Subscriber').log(
    `consuming ${settings.queue}, bound to ${transport.options?.exchange} with ` +
      `${FINANCE_EXCEPTIONS} and ${CHARGEBACK_EXCEPTIONS}`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
