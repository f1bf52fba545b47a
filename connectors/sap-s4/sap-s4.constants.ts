/** Every default and protocol constant of the SAP S/4HANA connector. */
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
export const MS_PER_DAY = 86_400_000;

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
