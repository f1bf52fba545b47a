import { Module } from '@nestjs/common';
import { CONNECTORS } from '@exhub/connector-sdk';
import { SourceEventIngress } from '../ingest/source-event-ingress';
import { PollSchedulerService } from './poll-scheduler.service';
import { ConnectorsModuleClass } from './connectors.options';

/**
 * The polled connector instances: the one poll scheduler, the registry of running connectors
 * (`CONNECTORS`, which enrichment asks for lookups) and the one path a source event takes to
 * exhub.ingress (SourceEventIngress), which polled pages, the drop folder and webhooks share.
 */
@Module({
  providers: [
    SourceEventIngress,
    PollSchedulerService,
    {
      provide: CONNECTORS,
      useFactory: (p: PollSchedulerService) => p.registry,
      inject: [PollSchedulerService],
    },
  ],
  exports: [SourceEventIngress, PollSchedulerService, CONNECTORS],
})
export class ConnectorsModule extends ConnectorsModuleClass {}
