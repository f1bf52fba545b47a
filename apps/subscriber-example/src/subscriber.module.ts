import { type DynamicModule, Module } from '@nestjs/common';
import { EXCEPTION_SINK, type ExceptionSink, LoggingSink } from './exception-sink';
import { ExceptionsController } from './exceptions.controller';

@Module({})
export class SubscriberModule {
  /** The subscriber with its sink: a logger by default, the tool's own logic (or a test's) otherwise. */
  static register(sink: ExceptionSink = new LoggingSink()): DynamicModule {
    return {
      module: SubscriberModule,
      controllers: [ExceptionsController],
      providers: [{ provide: EXCEPTION_SINK, useValue: sink }],
    };
  }
}
