/** Every default and protocol constant of the SAP S/4HANA connector. */
import { MS_PER_DAY } from '@exhub/core';
export { MS_PER_DAY };
export const SAP_S4_SYSTEM = 'sap-s4';
export const SAP_SERVICE_PATH = '/sap/opu/odata/sap/API_SUPPLIERINVOICE_PROCESS_SRV';
export const SAP_ENTITY_SET = 'A_SupplierInvoice';
/** The objectType of every SourceEvent this connector publishes (picks the mappings). */
export const SAP_OBJECT_TYPE = 'A_SupplierInvoice';
export const SAP_ENTITY_TYPE = 'API_SUPPLIERINVOICE_PROCESS_SRV.A_SupplierInvoiceType';

export const SAP_DEFAULT_PAGE_SIZE = 100;
/**
 * Invoices whose payment block was released, re-read per request after a sweep (one OData `or` of
 * their keys); one request per poll step, so a large release is read over several steps.
 */
export const SAP_RELEASE_BATCH = 20;
export const SAP_MAX_PAGE_SIZE = 5000;
export const SAP_DEFAULT_POLL_INTERVAL_SECONDS = 60;
/** Without `startFrom`, the first poll reads invoices posted in the last 30 days. */
export const SAP_DEFAULT_LOOKBACK_DAYS = 30;

/** Suppliers (enrichment lookups) live in the business partner service, beside the invoices. */
export const SAP_SUPPLIER_SERVICE = 'API_BUSINESS_PARTNER';
export const SAP_SUPPLIER_SERVICE_PATH = '/sap/opu/odata/sap/API_BUSINESS_PARTNER';
export const SAP_SUPPLIER_ENTITY_SET = 'A_Supplier';
export const SAP_SUPPLIER_ENTITY_TYPE = 'API_BUSINESS_PARTNER.A_SupplierType';
/** Purchasing-organisation ABC classification → the criticality the priority policy knows. */
export const SAP_ABC_CRITICALITY: Readonly<Record<string, string>> = {
  A: 'critical',
  B: 'preferred',
  C: 'standard',
};

/**
 * Business events (connector type `sap-s4-events`): the CloudEvent types SAP S/4HANA raises for a
 * supplier invoice (SAP Business Accelerator Hub, Supplier Invoice Events) that the connector acts
 * on by default. Each carries the invoice's keys in `data`.
 */
export const SAP_EVENT_DEFAULT_TYPES: readonly string[] = [
  'sap.s4.beh.supplierinvoice.v1.SupplierInvoice.Created.v1',
  'sap.s4.beh.supplierinvoice.v1.SupplierInvoice.Changed.v1',
];
/** The key fields of `data`. */
export const SAP_EVENT_INVOICE = 'SupplierInvoice';
export const SAP_EVENT_FISCAL_YEAR = 'FiscalYear';
/** objectType of an event the connector does not act on: no mapping reads it (counted no-op). */
export const SAP_EVENT_OBJECT_TYPE = 'CloudEvent';
/** X-Exhub-Signature timestamp tolerance of signed deliveries. */
export const SAP_EVENT_DEFAULT_TOLERANCE_SECONDS = 300;
