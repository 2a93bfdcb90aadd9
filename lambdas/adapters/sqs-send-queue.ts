import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SendQueue } from '../domain/messages/ports';
import type { RecurringFiring } from '../domain/recurring/recurring';

/** The body of a send-queue item: only the message id; the request itself lives in the messages table. */
export interface SendQueueBody {
  readonly messageId: string;
}

export const parseSendQueueBody = (body: string): SendQueueBody => {
  const parsed = JSON.parse(body) as Partial<SendQueueBody>;
  if (typeof parsed.messageId !== 'string') throw new Error('send queue item without messageId');
  return { messageId: parsed.messageId };
};

/** SQS accepts a delivery delay of at most 15 minutes. */
const MAX_DELAY_SECONDS = 900;
const delay = (seconds: number) => Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.round(seconds)));

/** Puts a recurring firing back on the events queue, to be continued after a delay (the events worker's input). */
export function continueFiringLater(client: SQSClient, eventsQueueUrl: string) {
  return async (firing: RecurringFiring['recurring'], delaySeconds: number): Promise<void> => {
    const body: RecurringFiring = { recurring: firing };
    await client.send(
      new SendMessageCommand({
        QueueUrl: eventsQueueUrl,
        MessageBody: JSON.stringify(body),
        DelaySeconds: delay(delaySeconds),
      }),
    );
  };
}

export class SqsSendQueue implements SendQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly deadLetterQueueUrl: string,
  ) {}

  async enqueue(messageId: string, delaySeconds = 0): Promise<void> {
    await this.send(this.queueUrl, { messageId }, delaySeconds);
  }

  async retryLater(messageId: string, seconds: number): Promise<void> {
    await this.send(this.queueUrl, { messageId }, seconds);
  }

  async deadLetter(messageId: string, reason: string): Promise<void> {
    await this.send(this.deadLetterQueueUrl, { messageId, reason }, 0);
  }

  private async send(queueUrl: string, body: SendQueueBody & { reason?: string }, delaySeconds: number) {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(body),
        DelaySeconds: delay(delaySeconds),
      }),
    );
  }
}
