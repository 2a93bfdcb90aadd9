import { CfnOutput, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import type { CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { INDEX, type TableId } from '../data-model';
import { postbackRateLimit, resourcePrefix, type GatewayConfig } from '../config';
import { EgressNetwork } from '../constructs/egress-network';
import { GatewayFunction, type FunctionDefaults } from '../constructs/gateway-function';
import { IngestApi } from '../constructs/ingest-api';
import { Observability } from '../constructs/observability';
import { PostbackApi } from '../constructs/postback-api';
import { SendPipeline } from '../constructs/send-pipeline';
import { StatusProcessing } from '../constructs/status-processing';
import { removalPolicyOf } from './stateful-stack';

/**
 * Environment variable of the postback handler's optional shared token. Not (yet) in `ENV`
 * (lambdas/adapters/config.ts): the handler reads `process.env.POSTBACK_SHARED_SECRET` directly.
 */
export const POSTBACK_SHARED_SECRET_VARIABLE = 'POSTBACK_SHARED_SECRET';

/** The stateful resources the code works on, passed as typed references from the StatefulStack. */
export interface StatefulResources {
  readonly tables: Readonly<Record<TableId, ITable>>;
  readonly sendQueue: IQueue;
  readonly sendDeadLetterQueue: IQueue;
  readonly sinchSecret: ISecret;
  readonly eventBus: IEventBus;
  readonly egressAllocationIds: readonly string[];
}

export interface StatelessStackProps extends StackProps {
  readonly config: GatewayConfig;
  readonly stateful: StatefulResources;
}

/**
 * The code and its front doors, replaceable at any time: the ingest API (with its authorizer, ingest and query
 * Lambdas), the send pipeline, the postback API, status processing, the optional egress network, and alarms
 * and dashboard. It only wires: every rule lives in lambdas/domain, every setting comes from the config.
 */
export class StatelessStack extends Stack {
  readonly ingestApi: IngestApi;
  readonly postbackApi: PostbackApi;
  readonly sendPipeline: SendPipeline;
  readonly statusProcessing: StatusProcessing;
  readonly observability: Observability;
  readonly functions: Readonly<Record<string, GatewayFunction>>;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
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

    const ingest = new GatewayFunction(this, 'Ingest', {
      handler: 'ingest',
      description: 'POST /v2/: validates, records and queues a team’s MMS request',
      defaults,
      environment: {
        sendQueueUrl: stateful.sendQueue.queueUrl,
        sendDlqUrl: stateful.sendDeadLetterQueue.queueUrl,
        requireServiceId: String(config.requireServiceId),
        ...(config.sinchServiceId !== undefined ? { defaultServiceId: config.sinchServiceId } : {}),
      },
    })
      .grantTable('messagesTable', tables.messages, { items: ['PutItem', 'UpdateItem'] })
      // savemms records a template; sendsavedmms resolves one by gateway id or Sinch mms-id.
      .grantTable('templatesTable', tables.templates, {
        items: ['GetItem', 'PutItem', 'UpdateItem'],
        queryIndexes: [INDEX.templatesByMmsId],
      })
      .grantTable('controlTable', tables.control, {
        items: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
      });
    stateful.sendQueue.grantSendMessages(ingest.role);

    const query = new GatewayFunction(this, 'Query', {
      handler: 'query',
      description: 'GET /v2/messages, /v2/templates, /v2/openapi.json: a team’s messages and templates',
      defaults,
    })
      .grantTable('messagesTable', tables.messages, {
        items: ['GetItem'],
        queryIndexes: [INDEX.messagesByClientReference],
      })
      .grantTable('templatesTable', tables.templates, {
        items: ['GetItem'],
        queryIndexes: [INDEX.templatesByTeam],
      });

    this.ingestApi = new IngestApi(this, 'IngestApi', {
      apiName: `${prefix}-ingest`,
      stage: stage(config.ingestRateLimit, config.ingestBurstLimit),
      authorizer: authorizer.function,
      ingest: ingest.function,
      query: query.function,
      authCacheSeconds: config.authCacheSeconds,
      maxBodyBytes: config.ingestMaxBodyBytes,
    });

    const network = config.fixedEgressIp.enabled
      ? new EgressNetwork(this, 'EgressNetwork', {
          availabilityZones: config.fixedEgressIp.availabilityZones ?? [
            `${config.region}a`,
            `${config.region}b`,
          ],
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
    if (config.postbackSharedSecretName !== undefined) {
      // Resolved by CloudFormation at deploy time; the handler compares it with the URL's ?token=.
      postback.function.addEnvironment(
        POSTBACK_SHARED_SECRET_VARIABLE,
        SecretValue.secretsManager(config.postbackSharedSecretName).unsafeUnwrap(),
      );
    }

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
      eventBus: stateful.eventBus,
      namePrefix: prefix,
    });

    this.functions = {
      authorizer,
      ingest,
      query,
      send: this.sendPipeline.send,
      postback,
      statusProcessor: this.statusProcessing.processor,
      sweep: this.statusProcessing.sweep,
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
      ingestApi: this.ingestApi.api,
      postbackApi: this.postbackApi.api,
    });

    new CfnOutput(this, 'IngestApiUrl', {
      value: this.ingestApi.api.urlForPath('/v2/'),
      description: 'Base URL for teams (POST here with the Sinch JSON body and x-api-key)',
    });
    new CfnOutput(this, 'PostbackUrl', {
      value: this.postbackApi.postbackUrl,
      description:
        'Give this URL to Sinch as the postback URL (append ?token=... if postbackSharedSecretName is set)',
    });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
  }
}
