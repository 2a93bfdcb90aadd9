/**
 * The names of the environment variables the stacks set and the Lambda handlers read (keyed by setting). The CDK
 * constructs, the local runtime and the handlers' typed configuration (lambdas/adapters/config.ts,
 * lambdas/adapters/eventbridge-scheduler.ts) all name a variable through these tables, so they cannot drift apart.
 * Pure data: imports neither aws-cdk-lib nor the AWS SDK.
 */

export const ENV = {
  messagesTable: 'MESSAGES_TABLE',
  teamsTable: 'TEAMS_TABLE',
  templatesTable: 'TEMPLATES_TABLE',
  recurringTable: 'RECURRING_TABLE',
  postbacksTable: 'POSTBACKS_TABLE',
  controlTable: 'CONTROL_TABLE',
  sendQueueUrl: 'SEND_QUEUE_URL',
  sendDlqUrl: 'SEND_DLQ_URL',
  eventsQueueUrl: 'EVENTS_QUEUE_URL',
  sinchBaseUrl: 'SINCH_BASE_URL',
  sinchSecretId: 'SINCH_SECRET_ID',
  sinchTimeoutMs: 'SINCH_TIMEOUT_MS',
  accountTps: 'ACCOUNT_TPS',
  tpsSafetyFactor: 'TPS_SAFETY_FACTOR',
  pacerMaxWaitMs: 'PACER_MAX_WAIT_MS',
  maxAttempts: 'SEND_MAX_ATTEMPTS',
  backoffBaseSeconds: 'SEND_BACKOFF_BASE_SECONDS',
  backoffMaxSeconds: 'SEND_BACKOFF_MAX_SECONDS',
  ambiguousTimeoutPolicy: 'AMBIGUOUS_TIMEOUT_POLICY',
  requireServiceId: 'REQUIRE_SERVICE_ID',
  defaultServiceId: 'DEFAULT_SERVICE_ID',
  authCacheSeconds: 'AUTH_CACHE_SECONDS',
  eventBusName: 'EVENT_BUS_NAME',
  correlationWindowSeconds: 'CORRELATION_WINDOW_SECONDS',
  unknownAfterSeconds: 'UNKNOWN_AFTER_SECONDS',
  receivedStuckAfterSeconds: 'RECEIVED_STUCK_AFTER_SECONDS',
  eventSources: 'EVENT_SOURCES',
  postbackTokenSecretId: 'POSTBACK_TOKEN_SECRET_ID',
  webhookQueueUrl: 'WEBHOOK_QUEUE_URL',
  webhookTimeoutMs: 'WEBHOOK_TIMEOUT_MS',
  webhookRetryDelaysSeconds: 'WEBHOOK_RETRY_DELAYS_SECONDS',
  webhookRetryMaxAgeSeconds: 'WEBHOOK_RETRY_MAX_AGE_SECONDS',
  webhookAllowInsecureLocal: 'WEBHOOK_ALLOW_INSECURE_LOCAL',
  keyRotationGraceSeconds: 'KEY_ROTATION_GRACE_SECONDS',
  usagePriceMms: 'USAGE_PRICE_MMS',
  usagePriceSms: 'USAGE_PRICE_SMS',
  usageCurrency: 'USAGE_CURRENCY',
  suppressionsTable: 'SUPPRESSIONS_TABLE',
  consentKeywords: 'CONSENT_KEYWORDS',
  mediaCacheTable: 'MEDIA_CACHE_TABLE',
  mediaCheckDefault: 'MEDIA_CHECK_DEFAULT',
  mediaCheckBudgetMs: 'MEDIA_CHECK_BUDGET_MS',
  mediaCacheSeconds: 'MEDIA_CACHE_SECONDS',
  mediaLimitsKb: 'MEDIA_LIMITS_KB',
  mediaLocalOrigins: 'MEDIA_LOCAL_ORIGINS',
  retentionDaySeconds: 'RETENTION_DAY_SECONDS',
  validityPeriodSeconds: 'VALIDITY_PERIOD_SECONDS',
} as const;

/** Environment variables of the settings, by setting (the same shape as `ENV` in config.ts, for the merge). */
export const SCHEDULER_ENV = {
  scheduleGroupName: 'SCHEDULE_GROUP_NAME',
  schedulerTargetArn: 'SCHEDULER_TARGET_ARN',
  schedulerRoleArn: 'SCHEDULER_ROLE_ARN',
  schedulerDlqArn: 'SCHEDULER_DLQ_ARN',
} as const;

/** Recurring sends fire into the events queue (the events worker fans them out), dead-lettered to its DLQ. */
export const RECURRING_ENV = {
  recurringTargetArn: 'RECURRING_TARGET_ARN',
  recurringDlqArn: 'RECURRING_DLQ_ARN',
} as const;

export const SCHEDULER_ENV_NAMES: readonly string[] = [
  ...Object.values(SCHEDULER_ENV),
  ...Object.values(RECURRING_ENV),
];
