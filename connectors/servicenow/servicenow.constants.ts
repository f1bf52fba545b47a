/** Every default and protocol constant of the ServiceNow connector. */
import { MS_PER_DAY } from '@exhub/core';
export { MS_PER_DAY };
export const SERVICENOW_SYSTEM = 'servicenow';
/** Table API root, below the instance URL. */
export const TABLE_API_PATH = '/api/now/table';
export const INCIDENT_TABLE = 'incident';
export const TASK_SLA_TABLE = 'task_sla';
export const COMPANY_TABLE = 'core_company';
export const USER_TABLE = 'sys_user';
/**
 * The base CMDB table: business services (cmdb_ci_service) and every other CI class extend it, so
 * one query on it by sys_id finds the record a `business_service` or `cmdb_ci` reference names.
 */
export const CI_TABLE = 'cmdb_ci';
export const GROUP_TABLE = 'sys_user_group';
/**
 * The incident's reference fields whose record name the connector reads when
 * `fetchReferenceNames` is on, and the table each is read from (`name` is the display value of
 * both tables).
 */
export const NAMED_REFERENCES: Readonly<Record<string, string>> = {
  cmdb_ci: CI_TABLE,
  business_service: CI_TABLE,
  assignment_group: GROUP_TABLE,
};
/** The field a CI's or a group's name is in. */
export const NAME_FIELD = 'name';
/** sys_ids per name request (`sys_idIN…`), so the URL stays a few KB long. */
export const NAME_IDS_PER_REQUEST = 100;
/** The objectType of every SourceEvent this connector publishes (picks the mappings). */
export const INCIDENT_OBJECT_TYPE = 'incident';
/** Where the connector puts the incident's task_sla rows inside the published payload. */
export const TASK_SLA_PAYLOAD_KEY = 'task_sla';
/** The OAuth token endpoint of an instance, below the instance URL. */
export const OAUTH_TOKEN_PATH = '/oauth_token.do';

export const SERVICENOW_DEFAULT_PAGE_SIZE = 100;
export const SERVICENOW_MAX_PAGE_SIZE = 10_000;
export const SERVICENOW_DEFAULT_POLL_INTERVAL_SECONDS = 60;
/** Without `startFrom`, the first poll reads incidents updated in the last 30 days. */
export const SERVICENOW_DEFAULT_LOOKBACK_DAYS = 30;
/**
 * `sysparm_display_value=false`: choice fields (state, impact, urgency, priority) come as their
 * stored values ("1"), dates as UTC `YYYY-MM-DD HH:mm:ss`, references as `{link, value}`.
 */
export const DISPLAY_VALUE = 'false';
/** A Glide date-time as the Table API writes it with display values off (UTC). */
export const GLIDE_DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
export const SYS_ID = /^[0-9a-f]{32}$/;
