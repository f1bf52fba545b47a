/**
 * For NestJS apps that subscribe to the hub's exceptions with stock `Transport.RMQ`: see
 * libs/nest-subscriber/README.md.
 */
export type { CanonicalException } from '@exhub/canonical';
export { validateCanonicalException } from '@exhub/canonical';
export { exhubDelivery, type ExhubDelivery } from './delivery';
export { ExhubDeserializer, routingKeyOf, UNROUTABLE_PATTERN } from './exhub.deserializer';
export { exhubTransport, type ExhubTransportOptions } from './exhub-transport';
