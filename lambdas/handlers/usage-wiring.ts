/** The messages repository as the handlers that change message states build it: counting each team's usage. */
import { countingUsage } from '../domain/teams/usage';
import { dynamo } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoUsageCounter } from '../adapters/dynamo-team-usage';
import { DynamoMessageRepository } from '../adapters/message-repository';
import { CoalescedMessageRepository } from '../adapters/coalesced-message-reads';
import { logger } from './observability';

/**
 * `coalesced`: for batch handlers (send worker, status processor), whose records read their messages concurrently:
 * the reads of one turn of the event loop are served by one BatchGetItem (decision 0016).
 */
export function countedMessages(
  messagesTable: string,
  options: { readonly coalesced?: boolean } = {},
): DynamoMessageRepository {
  const { controlTable } = loadConfig(['controlTable']);
  return countingUsage(
    options.coalesced
      ? new CoalescedMessageRepository(dynamo(), messagesTable)
      : new DynamoMessageRepository(dynamo(), messagesTable),
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
