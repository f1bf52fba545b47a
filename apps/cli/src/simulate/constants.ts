/** Defaults of `exhub simulate` and `exhub worklist`, in one place. */
export const DEFAULT_HUB_URL = 'http://127.0.0.1:3000';
/** Events per second. */
export const DEFAULT_RATE = 5;
export const DEFAULT_DURATION = '60s';
/** Upper bounds that keep a typo (`--rate 5000000`) from flooding a hub. */
export const MAX_RATE = 1000;
export const MAX_DURATION_SECONDS = 24 * 60 * 60;
/** Deliveries in flight at once. */
export const DEFAULT_CONCURRENCY = 16;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Where the SAP S/4HANA simulator listens when SAP_S4_SIM_URL does not say (its demo port). */
export const DEFAULT_SAP_SIM_URL = 'http://127.0.0.1:4010';
/** The other simulators' demo ports (their simulator.ts and exhub.config.yaml say the same). */
export const DEFAULT_SERVICENOW_SIM_URL = 'http://127.0.0.1:4020';
export const DEFAULT_NETSUITE_SIM_URL = 'http://127.0.0.1:4040';
export const DEFAULT_SALESFORCE_SIM_URL = 'http://127.0.0.1:4050';
/** How often a non-TTY run prints a progress line. */
export const PLAIN_PROGRESS_INTERVAL_MS = 5_000;

export const DEFAULT_WORKLIST_TOP = 15;
export const DEFAULT_WORKLIST_REFRESH_MS = 1_000;
/** Below this many columns the worklist drops the amount and the reasons. */
export const NARROW_COLUMNS = 80;
