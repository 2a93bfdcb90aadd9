/**
 * The ports every capability shares (time and identifiers). Each capability folder keeps its own ports in its
 * `ports.ts`, next to the use cases that need them; adapters (lambdas/adapters/) implement them with DynamoDB,
 * SQS, Secrets Manager, EventBridge and HTTP; tests and the local runtime use the same adapters against emulators.
 */

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export interface IdGenerator {
  messageId(): string;
}
