/** Opening the store failed: unknown URL scheme, unreachable server, failed migration. */
export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
}

/** The caller asked for something invalid (bad cursor, oversized page, bad role): a 400. */
export class StoreInputError extends Error {
  override name = 'StoreInputError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** No such exception: a 404. */
export class StoreNotFoundError extends Error {
  override name = 'StoreNotFoundError';
}

/** The change is not allowed in the current state (e.g. resolving a dismissed exception): a 409. */
export class StoreConflictError extends Error {
  override name = 'StoreConflictError';
}
