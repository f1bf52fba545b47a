import type { CanonicalException } from '@exhub/canonical';
import {
  childTraceparent,
  exceptionPublishOptions,
  exceptionRoutingKey,
  type ConfirmPublisher,
  type Topology,
} from '@exhub/messaging';

/**
 * The one publish of an exception (first publication and every re-score): exhub.exceptions by
 * routing key, BCC to exhub.review when review is required; resolves once the broker confirmed.
 */
export async function publishException(
  rt: { publisher: ConfirmPublisher; topology: Topology },
  exception: CanonicalException,
  traceparent: string | undefined,
  /** `JSON.stringify(exception)` when the caller has it already (the store's document). */
  body?: string,
): Promise<void> {
  const options = exceptionPublishOptions(exception, childTraceparent(traceparent), {
    routeToReview: exception.priority.review.required,
  });
  await rt.publisher.publish(
    rt.topology.names.exceptions,
    exceptionRoutingKey(exception),
    Buffer.from(body ?? JSON.stringify(exception)),
    options,
  );
}
