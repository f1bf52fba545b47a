/**
 * Fixed UUID namespace for exception ids (RFC 9562 §5.5). Changing it changes every exception id,
 * which breaks idempotency and links across the whole history: never change it within schema v1.
 */
export const EXCEPTION_ID_NAMESPACE = 'cb172c70-f1c1-4e7a-b6f7-ee9c886da419';

/** Separates id and version in the AMQP message-id `<id>:<version>`. */
export const MESSAGE_ID_SEPARATOR = ':';

/** Minor-unit exponent of every ISO 4217 currency not listed in MINOR_UNIT_EXPONENTS. */
export const DEFAULT_MINOR_UNIT_EXPONENT = 2;

/**
 * ISO 4217 minor-unit exponents that differ from the default of 2 (ISO 4217 list one, SIX, 2024).
 * Note that payment processors sometimes deviate (Stripe sends ISK and UGX as two-decimal and MGA
 * as zero-decimal amounts); a connector with such quirks passes the exponent the processor uses.
 */
export const MINOR_UNIT_EXPONENTS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};
