import { Module } from '@nestjs/common';
import { IngestController } from './ingest.controller';
import { IngestService } from './ingest.service';
import { IngressModuleClass } from './ingress.options';

/**
 * Webhook ingress (`POST /v1/ingest/:connectorId`) and the drop folders: the `ingress` role.
 * Publishes through ConnectorsModule's SourceEventIngress (passed in `imports`).
 */
@Module({
  controllers: [IngestController],
  providers: [IngestService],
})
export class IngressModule extends IngressModuleClass {}
