import type { CanonicalException } from '@exhub/canonical';
import { childTraceparent, exceptionPublishOptions, exceptionRoutingKey } from '@exhub/messaging';
import type { HubRuntime } from '../hub-runtime';

/**
 * The one publish of an exception (first publication and every re-score): exhub.exceptions by
 * routing key, BCC to exhub.review when review is required; resolves once the broker confirmed.
 */
export async function publishException(
  rt: Pick<HubRuntime, 'publisher' | 'topology'>,
  exception: CanonicalException,
  traceparent: string | undefined,
): Promise<void> {
  const options = exceptionPublishOptions(exception, childTraceparent(traceparent), {
    routeToReview: exception.priority.review.required,
  });
  await rt.publisher.publish(
    rt.topology.names.exceptions,
    exceptionRoutingKey(exception),
    Buffer.from(JSON.stringify(exception)),
    options,
  );
}
