/**
 * Every connector type the hub knows, one line each (`exhub connectors new` writes a folder with
 * its `definition.ts`; its line goes here). A definition is data — type, kind, settings schema —
 * and a `create` that loads the connector's module only when an instance of that type runs, so a
 * hub running only Stripe never loads the SOAP or Salesforce SDKs. The hub's factory tables, the
 * settings check and the type enum of schemas/exhub.config.schema.json (checked by
 * apps/hub/src/connectors/settings-check.spec.ts) all come from this list.
 */
import type { ConnectorDefinition } from '@exhub/connector-sdk';
import { iso20022Definition } from './iso20022/definition';
import { netSuiteDefinition } from './netsuite/definition';
import { salesforceDefinition } from './salesforce/definition';
import { sapS4Definition, sapS4EventsDefinition } from './sap-s4/definition';
import { serviceNowDefinition } from './servicenow/definition';
import { stripeDefinition } from './stripe/definition';
import { zendeskDefinition, zendeskExportDefinition } from './zendesk/definition';

export const CONNECTOR_DEFINITIONS: readonly ConnectorDefinition[] = [
  stripeDefinition,
  iso20022Definition,
  zendeskDefinition,
  zendeskExportDefinition,
  sapS4Definition,
  sapS4EventsDefinition,
  netSuiteDefinition,
  serviceNowDefinition,
  salesforceDefinition,
];
