/** The messages repository as the handlers that change message states build it: counting each team's usage. */
import { countingUsage } from '../domain/teams/usage';
import { dynamo } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoUsageCounter } from '../adapters/dynamo-team-usage';
import { DynamoMessageRepository } from '../adapters/message-repository';
import { logger } from './observability';

export function countedMessages(messagesTable: string): DynamoMessageRepository {
  const { controlTable } = loadConfig(['controlTable']);
  return countingUsage(
    new DynamoMessageRepository(dynamo(), messagesTable),
    new DynamoUsageCounter(dynamo(), controlTable),
    (error) => logger.warn('usage not counted', { error: error as Error }),
  );
}

/** Counts one refused request (a 4xx answer to POST /v2/) for the team. */
export function countRefused(teamId: string): Promise<void> {
  const { controlTable } = loadConfig(['controlTable']);
  return new DynamoUsageCounter(dynamo(), controlTable)
    .add(teamId, 'refused', new Date())
    .catch((error: unknown) => logger.warn('usage not counted', { error: error as Error }));
}
