import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { INDEX, type QUEUES, type TableId } from '../../definitions/data-model';
import { postbackRateLimit, resourcePrefix, type GatewayConfig, PROJECT_ROOT } from '../config';
import { AcceptAccess, type SchedulingAccess } from '../constructs/accept-access';
import { EgressNetwork } from '../constructs/egress-network';
import { EventSends } from '../constructs/event-sends';
import { GatewayFunction, type FunctionDefaults } from '../constructs/gateway-function';
import { IngestApi } from '../constructs/ingest-api';
import { Observability } from '../constructs/observability';
import { PostbackApi } from '../constructs/postback-api';
import { SendPipeline } from '../constructs/send-pipeline';
import { StatusProcessing } from '../constructs/status-processing';
import { WebhookDelivery } from '../constructs/webhook-delivery';
import { StatusPublishing } from '../constructs/status-publishing';
import { CustomDomain } from '../constructs/custom-domain';
import { removalPolicyOf } from './stateful-stack';

/** The stateful resources the code works on, passed as typed references from the StatefulStack. */
export interface StatefulResources {
  readonly tables: Readonly<Record<TableId, ITable>>;
  /** Every queue of the data model, by its key in QUEUES. */
  readonly queues: Readonly<Record<keyof typeof QUEUES, IQueue>>;
  readonly sendQueue: IQueue;
  readonly sendDeadLetterQueue: IQueue;
  readonly sinchSecret: ISecret;
  readonly eventBus: IEventBus;
  /** The Scheduler group and execution role of scheduled and recurring sends. */
  readonly scheduling: SchedulingAccess;
  readonly egressAllocationIds: readonly string[];
}

export interface StatelessStackProps extends StackProps {
  readonly config: GatewayConfig;
  readonly stateful: StatefulResources;
}

/**
 * The code and its front doors, replaceable at any time: the ingest API (with its authorizer, ingest, query,
 * manage and schedules Lambdas), the events worker, the send pipeline, the postback API, status processing,
 * webhook delivery, the optional egress network, and alarms and dashboard. It only wires: every rule lives in
 * lambdas/domain, every setting comes from the config.
 */
export class StatelessStack extends Stack {
  readonly ingestApi: IngestApi;
  readonly postbackApi: PostbackApi;
  readonly eventSends: EventSends;
  readonly sendPipeline: SendPipeline;
  readonly statusProcessing: StatusProcessing;
  readonly webhookDelivery: WebhookDelivery;
  readonly statusPublishing: StatusPublishing;
  readonly observability: Observability;
  readonly functions: Readonly<Record<string, GatewayFunction>>;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    const egressZones = config.fixedEgressIp.availabilityZones ?? [`${config.region}a`, `${config.region}b`];
    if (config.fixedEgressIp.enabled) {
      // The VPC checks its zones against the stack's, which would be an AWS lookup: synth stays offline by
      // telling the stack its zones (must happen before any child construct is added).
      this.node.setContext(
        `availability-zones:account=${config.account}:region=${config.region}`,
        egressZones,
      );
    }
    const { tables } = stateful;
    const prefix = resourcePrefix(config);
    const removalPolicy = removalPolicyOf(config);
    const defaults: FunctionDefaults = {
      serviceName: prefix,
      logLevel: config.logLevel,
      logRetentionDays: config.logRetentionDays,
      removalPolicy,
    };
    const stage = (rateLimit: number, burstLimit: number) => ({
      stageName: config.stage,
      rateLimit,
      burstLimit,
      logRetentionDays: config.logRetentionDays,
      removalPolicy,
    });

    const authorizer = new GatewayFunction(this, 'Authorizer', {
      handler: 'authorizer',
      description: 'Ingest API authorizer: x-api-key → team',
      defaults,
      environment: { authCacheSeconds: String(config.authCacheSeconds) },
    }).grantTable('teamsTable', tables.teams, { items: ['GetItem'] });

    // The one accept use case behind every entry: the HTTP ingest and the events worker get the same access.
    const accept = new AcceptAccess({
      config,
      messagesTable: tables.messages,
      templatesTable: tables.templates,
      controlTable: tables.control,
      suppressionsTable: tables.suppressions,
      mediaCacheTable: tables.media,
      sendQueue: stateful.sendQueue,
      sendDeadLetterQueue: stateful.sendDeadLetterQueue,
      scheduling: stateful.scheduling,
    });

    const ingest = accept.grantTo(
      new GatewayFunction(this, 'Ingest', {
        handler: 'ingest',
        description: 'POST /v2/: validates, records and queues (or schedules) a team’s MMS request',
        defaults,
      }),
    );

    const query = new GatewayFunction(this, 'Query', {
      handler: 'query',
      description: 'GET /v2/messages, /v2/templates, /v2/openapi.json: a team’s messages and templates',
      defaults,
    })
      .grantTable('messagesTable', tables.messages, {
        items: ['GetItem'],
        queryIndexes: [INDEX.messagesByClientReference, INDEX.messagesByTeamAccepted],
      })
      .grantTable('templatesTable', tables.templates, {
        items: ['GetItem'],
        queryIndexes: [INDEX.templatesByTeam],
      });

    const manage = new GatewayFunction(this, 'Manage', {
      handler: 'manage',
      description: 'DELETE and PATCH /v2/messages/{id}: cancels or moves a team’s scheduled message',
      defaults,
    })
      .grantTable('messagesTable', tables.messages, { items: ['GetItem', 'UpdateItem'] })
      // DELETE /v2/messages/{id}/content erases the message's raw postbacks too.
      .grantTable('postbacksTable', tables.postbacks, { items: ['DeleteItem'] });
    stateful.scheduling.grantScheduling(manage);

    const schedules = new GatewayFunction(this, 'Schedules', {
      handler: 'schedules',
      description: '/v2/schedules: a team’s recurring sends (create, list, read, pause, resume, delete)',
      defaults,
      environment: {
        requireServiceId: String(config.requireServiceId),
        ...(config.sinchServiceId !== undefined ? { defaultServiceId: config.sinchServiceId } : {}),
      },
    })
      .grantTable('recurringTable', tables.recurring, {
        items: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
        queryIndexes: [INDEX.recurringByTeam],
      })
      // A sendsavedmms schedule must name one of the team's templates.
      .grantTable('templatesTable', tables.templates, {
        items: ['GetItem'],
        queryIndexes: [INDEX.templatesByMmsId],
      });
    stateful.scheduling.grantRecurring(schedules);

    const suppressions = new GatewayFunction(this, 'Suppressions', {
      handler: 'suppressions',
      description: '/v2/suppressions: a team’s own suppression list (list, add, remove)',
      defaults,
    }).grantTable('suppressionsTable', tables.suppressions, {
      items: ['Query', 'PutItem', 'DeleteItem'],
    });

    const team = new GatewayFunction(this, 'Team', {
      handler: 'team',
      description: '/v2/team…, /v2/usage: a team’s own settings, webhook, key and usage',
      defaults,
      environment: {
        keyRotationGraceSeconds: String(config.keyRotationGraceSeconds),
        usagePriceMms: String(config.usagePrices.mms),
        usagePriceSms: String(config.usagePrices.sms),
        usageCurrency: config.usagePrices.currency,
        ...(config.webhooks.timeoutMs !== undefined
          ? { webhookTimeoutMs: String(config.webhooks.timeoutMs) }
          : {}),
      },
    })
      // Its own team item (webhook, quiet hours) and key items (rotation); never a Scan.
      .grantTable('teamsTable', tables.teams, { items: ['GetItem', 'PutItem', 'UpdateItem'] })
      // Usage counters and the webhook delivery log.
      .grantTable('controlTable', tables.control, { items: ['GetItem', 'UpdateItem', 'BatchGetItem'] });

    // The web console's files, bundled next to its handler (decision 0017); it reads no table.
    const consoleFiles = new GatewayFunction(this, 'Console', {
      handler: 'console',
      description: 'GET /console: the web console’s static files',
      defaults,
      afterBundling: (outputDir) => [`node ${PROJECT_ROOT}/console/build.mjs --out ${outputDir}/console`],
    });

    this.ingestApi = new IngestApi(this, 'IngestApi', {
      apiName: `${prefix}-ingest`,
      stage: stage(config.ingestRateLimit, config.ingestBurstLimit),
      authorizer: authorizer.function,
      ingest: ingest.function,
      query: query.function,
      manage: manage.function,
      schedules: schedules.function,
      suppressions: suppressions.function,
      team: team.function,
      console: consoleFiles.function,
      authCacheSeconds: config.authCacheSeconds,
      maxBodyBytes: config.ingestMaxBodyBytes,
      access: config.ingestAccess,
      rateLimitPer5MinPerIp: config.ingestRateLimitPer5MinPerIp,
      rateLimitPer5MinPerKey: config.ingestRateLimitPer5MinPerKey,
      logRetentionDays: config.logRetentionDays,
      removalPolicy: removalPolicyOf(config),
    });

    this.eventSends = new EventSends(this, 'EventSends', {
      defaults,
      config,
      queue: stateful.queues.events,
      teamsTable: tables.teams,
      recurringTable: tables.recurring,
      eventBus: stateful.eventBus,
      accept,
    });

    const network = config.fixedEgressIp.enabled
      ? new EgressNetwork(this, 'EgressNetwork', {
          availabilityZones: egressZones,
          eipAllocationIds: stateful.egressAllocationIds,
          logRetentionDays: config.logRetentionDays,
          removalPolicy,
        })
      : undefined;

    this.sendPipeline = new SendPipeline(this, 'SendPipeline', {
      defaults,
      config,
      queue: stateful.sendQueue,
      deadLetterQueue: stateful.sendDeadLetterQueue,
      messagesTable: tables.messages,
      templatesTable: tables.templates,
      controlTable: tables.control,
      sinchSecret: stateful.sinchSecret,
      ...(network ? { network: { vpc: network.vpc, subnets: network.subnets } } : {}),
    });

    const postback = new GatewayFunction(this, 'Postback', {
      handler: 'postback',
      description: 'POST /postbacks/mms: stores a Sinch postback raw and answers 200',
      defaults,
    }).grantTable('postbacksTable', tables.postbacks, { items: ['PutItem'] });
    // Only the secret's name is in the environment: the handler reads the token (current and previous) at run
    // time, so it is in no template and no function configuration, and a rotation needs no deployment.
    postback.setEnv('postbackTokenSecretId', config.postbackSharedSecretName);
    Secret.fromSecretNameV2(this, 'PostbackToken', config.postbackSharedSecretName).grantRead(postback.role);

    this.postbackApi = new PostbackApi(this, 'PostbackApi', {
      apiName: `${prefix}-postbacks`,
      stage: stage(config.postbackRateLimit, config.postbackBurstLimit),
      postback: postback.function,
      sourceCidrs: config.postbackSourceCidrs,
      rateLimitPer5Min: postbackRateLimit(config),
      accountLogging: this.ingestApi.api.node.findChild('Account') as CfnAccount,
    });

    this.statusProcessing = new StatusProcessing(this, 'StatusProcessing', {
      defaults,
      config,
      messagesTable: tables.messages,
      templatesTable: tables.templates,
      postbacksTable: tables.postbacks,
      controlTable: tables.control,
      eventBus: stateful.eventBus,
      namePrefix: prefix,
    });

    this.statusPublishing = new StatusPublishing(this, 'StatusPublishing', {
      defaults,
      config,
      messagesTable: tables.messages,
      templatesTable: tables.templates,
      controlTable: tables.control,
      eventBus: stateful.eventBus,
      namePrefix: prefix,
    });

    // Consent: the send worker checks the list and adds E114 entries; the status processor handles inbound
    // messages (owners of a sender from the teams table, keyword opt-outs and opt-ins on the list).
    this.sendPipeline.send.grantTable('suppressionsTable', tables.suppressions, {
      items: ['BatchGetItem', 'PutItem'],
    });
    // The sweep re-applies stuck postbacks with the processor's use case, inbound ones included.
    for (const fn of [this.statusProcessing.processor, this.statusProcessing.sweep]) {
      fn.grantTable('suppressionsTable', tables.suppressions, {
        items: ['PutItem', 'DeleteItem'],
      }).grantTable('teamsTable', tables.teams, { items: ['Scan'] });
      if (config.consentKeywords !== undefined) {
        fn.setEnv('consentKeywords', JSON.stringify(config.consentKeywords));
      }
    }

    this.webhookDelivery = new WebhookDelivery(this, 'WebhookDelivery', {
      defaults,
      config,
      queue: stateful.queues.webhook,
      teamsTable: tables.teams,
      messagesTable: tables.messages,
      controlTable: tables.control,
      templatesTable: tables.templates,
    });

    this.functions = {
      authorizer,
      ingest,
      query,
      manage,
      schedules,
      suppressions,
      events: this.eventSends.worker,
      send: this.sendPipeline.send,
      postback,
      statusProcessor: this.statusProcessing.processor,
      sweep: this.statusProcessing.sweep,
      statusPublisher: this.statusPublishing.publisher,
      webhook: this.webhookDelivery.worker,
      team,
      console: consoleFiles,
    };

    this.observability = new Observability(this, 'Observability', {
      prefix,
      serviceName: prefix,
      alarmEmail: config.alarmEmail,
      // About 1 % of the sends the account can make in 5 minutes, at least 10.
      retryAlarmThreshold: Math.max(10, Math.ceil(config.accountTps * 300 * 0.01)),
      sendFunction: this.sendPipeline.send.function,
      processorFunction: this.statusProcessing.processor.function,
      sweepFunction: this.statusProcessing.sweep.function,
      sendQueue: stateful.sendQueue,
      sendDeadLetterQueue: stateful.sendDeadLetterQueue,
      processorDeadLetterQueue: this.statusProcessing.processorDeadLetterQueue,
      publisherFunction: this.statusPublishing.publisher.function,
      publisherDeadLetterQueue: this.statusPublishing.deadLetterQueue,
      eventsDeadLetterQueue: stateful.queues.eventsDlq,
      webhookDeadLetterQueue: stateful.queues.webhookDlq,
      ingestApi: this.ingestApi.api,
      postbackApi: this.postbackApi.api,
      authRefused: this.ingestApi.authRefused,
      webAclNames: [this.ingestApi.webAcl, this.postbackApi.webAcl].map((acl) => acl.name as string),
    });

    if (config.customDomain) {
      new CustomDomain(this, 'CustomDomain', { ...config.customDomain, api: this.ingestApi.api });
    }

    new CfnOutput(this, 'IngestApiUrl', {
      value: this.ingestApi.api.urlForPath('/v2/'),
      description: 'Base URL for teams (POST here with the Sinch JSON body and x-api-key)',
    });
    new CfnOutput(this, 'PostbackUrl', {
      value: this.postbackApi.postbackUrl,
      description:
        'Give this URL to Sinch as the postback URL, with ?token=<the value of the postbackSharedSecretName secret>',
    });
    new CfnOutput(this, 'IngestApiId', {
      value: this.ingestApi.api.restApiId,
      description:
        'For npm run teams -- revoke <team> --api-id <this> --stage <stage> (flushes the authorizer cache)',
    });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
  }
}
