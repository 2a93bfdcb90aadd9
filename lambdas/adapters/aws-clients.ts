/**
 * AWS SDK clients, created once per Lambda container (module scope) and reused by every invocation. Endpoints
 * come from the SDK's own environment variables (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SQS, ...), which
 * the local runtime points at the emulators; in AWS they are unset.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';

let documentClient: DynamoDBDocumentClient | undefined;
let sqsClient: SQSClient | undefined;
let secretsClient: SecretsManagerClient | undefined;
let eventsClient: EventBridgeClient | undefined;
let schedulerClient: SchedulerClient | undefined;

export const dynamo = (): DynamoDBDocumentClient =>
  (documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  }));
export const sqs = (): SQSClient => (sqsClient ??= new SQSClient({}));
export const secretsManager = (): SecretsManagerClient => (secretsClient ??= new SecretsManagerClient({}));
export const eventBridge = (): EventBridgeClient => (eventsClient ??= new EventBridgeClient({}));
export const scheduler = (): SchedulerClient => (schedulerClient ??= new SchedulerClient({}));
