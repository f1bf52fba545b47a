/**
 * Suppliers and customers for the scenarios. Listed ones come from the lookup tables the mappings
 * read (supplier-criticality.csv, customer-tiers.csv), so the tier or criticality the hub
 * resolves for them is the real one; the tail is parties no table lists, as in any real ledger.
 */
import { join } from 'node:path';
import { LOOKUPS_SUBDIR, loadLookupTables, type LookupTable } from '@exhub/mapping';
import { SimulateError, type ReferenceData, type SimParty } from './types';

export const SUPPLIER_TABLE = 'supplier-criticality';
export const CUSTOMER_TABLE = 'customer-tiers';

const SUPPLIER_NAMES = [
  'Stahlwerk Rhein KG',
  'Bauer & Söhne Logistik GmbH',
  'Nordic Packaging AB',
  'Helvetia Präzision AG',
  'Dupont Industrie SAS',
  'Lindqvist Verktyg AB',
  'Kanzlei Weber Steuerberatung',
  'Iberia Componentes SL',
  'Polymer Solutions Ltd',
  'Costa Trasporti SpA',
  'Vandenberg Electronics BV',
  'Atlas Facility Services GmbH',
];
const CUSTOMER_NAMES = [
  'Tanaka Trading KK',
  'Globex Corporation',
  'Initech Ltd',
  'Umbrella Health plc',
  'Stark Logistics Inc',
  'Wayne Retail Group',
  'Acme Online GmbH',
  'Soylent Foods SA',
  'Hooli Cloud Inc',
  'Vehement Capital LLC',
];

function listed(table: LookupTable | undefined, names: string[]): SimParty[] {
  if (!table) return [];
  const valueColumn = table.columns[1];
  return [...table.rows.entries()].map(([id, row], i) => ({
    id,
    name: names[i % names.length],
    tier: row[valueColumn] || undefined,
  }));
}

/** The tail: ids in the source systems' own formats that no lookup table lists. */
function tail(role: 'supplier' | 'customer', names: string[], known: Set<string>): SimParty[] {
  return names
    .map((name, i) => ({
      id: role === 'supplier' ? String(300100 + i * 7) : `cus_Sim${String(i).padStart(2, '0')}Tail`,
      name,
    }))
    .filter((p) => !known.has(p.id));
}

export function buildReferenceData(
  supplierTable: LookupTable | undefined,
  customerTable: LookupTable | undefined,
): ReferenceData {
  const listedSuppliers = listed(supplierTable, SUPPLIER_NAMES);
  const listedCustomers = listed(customerTable, CUSTOMER_NAMES);
  return {
    listedSuppliers,
    listedCustomers,
    tailSuppliers: tail('supplier', SUPPLIER_NAMES, new Set(listedSuppliers.map((p) => p.id))),
    tailCustomers: tail('customer', CUSTOMER_NAMES, new Set(listedCustomers.map((p) => p.id))),
  };
}

/** Reads the lookup tables of `mappingsDir` (EXHUB_MAPPINGS_DIR [mappings]). */
export async function loadReferenceData(mappingsDir: string): Promise<ReferenceData> {
  const dir = join(mappingsDir, LOOKUPS_SUBDIR);
  const { tables, problems } = await loadLookupTables(dir);
  const supplier = tables.tables.get(SUPPLIER_TABLE);
  const customer = tables.tables.get(CUSTOMER_TABLE);
  if (!supplier || !customer) {
    const missing = [!supplier && SUPPLIER_TABLE, !customer && CUSTOMER_TABLE].filter(Boolean);
    const why = problems.length ? ` (${problems.map((p) => p.message).join('; ')})` : '';
    throw new SimulateError(
      `lookup table ${missing.join(' and ')} not found in ${dir}${why}: run from the repository root or set EXHUB_MAPPINGS_DIR`,
    );
  }
  return buildReferenceData(supplier, customer);
}
