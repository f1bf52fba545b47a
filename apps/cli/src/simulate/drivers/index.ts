/**
 * The simulation drivers, one line per connector: `exhub simulate` sends a scenario's events
 * through the driver its mix entries name. To add a connector, write
 * drivers/<connector>.driver.ts (a SimDriver: its event kinds and how to deliver them, see
 * stripe.driver.ts for a webhook source and sap-s4.driver.ts or servicenow.driver.ts for a polled
 * one) and add it here.
 */
import type { SimDriver } from '../types';
import { iso20022Driver } from './iso20022.driver';
import { netsuiteDriver } from './netsuite.driver';
import { salesforceDriver } from './salesforce.driver';
import { sapS4Driver } from './sap-s4.driver';
import { servicenowDriver } from './servicenow.driver';
import { stripeDriver } from './stripe.driver';
import { zendeskDriver } from './zendesk.driver';

export const SIM_DRIVERS: Readonly<Record<string, SimDriver>> = {
  [stripeDriver.id]: stripeDriver,
  [iso20022Driver.id]: iso20022Driver,
  [sapS4Driver.id]: sapS4Driver,
  [netsuiteDriver.id]: netsuiteDriver,
  [zendeskDriver.id]: zendeskDriver,
  [salesforceDriver.id]: salesforceDriver,
  [servicenowDriver.id]: servicenowDriver,
};
