import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server that answers the few AWS JSON-protocol calls the gateway makes to services with no
 * npm emulator, so the Lambda code keeps using the real AWS SDK clients, pointed here with
 * AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL_EVENTBRIDGE (or `endpoint`):
 *
 * - Secrets Manager `GetSecretValue` (from a map given at start, changeable with setSecret()).
 * - EventBridge `PutEvents` (each entry is logged in `putEvents` and emitted as 'event').
 *
 * Requests are routed by their `X-Amz-Target` header; signatures are not checked. Any other target gets a
 * clear 400 so a new SDK call shows up at once instead of failing obscurely.
 */
export interface LocalEvent {
  id: string;
  source: string;
  detailType: string;
  /** The entry's Detail, parsed. */
  detail: unknown;
  /** ISO 8601, from the entry's Time or the time it was put. */
  time: string;
  eventBusName: string;
  resources: string[];
}

export interface AwsEndpoints {
  /** e.g. `http://127.0.0.1:41234` */
  endpoint: string;
  /** Emits 'event' with each entry accepted by PutEvents. */
  events: EventEmitter<{ event: [LocalEvent] }>;
  /** Every entry accepted by PutEvents, oldest first. */
  putEvents: LocalEvent[];
  setSecret(id: string, value: string): void;
  stop(): Promise<void>;
}

export interface AwsEndpointsOptions {
  /** Secret name → SecretString. */
  secrets: Record<string, string>;
  port?: number;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_PUT_EVENTS_ENTRIES = 10;

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

interface StoredSecret {
  name: string;
  arn: string;
  value: string;
  versionId: string;
  createdDate: number;
  /** The value before the last setSecret (staging label AWSPREVIOUS), as after a rotation. */
  previous?: { value: string; versionId: string };
}

export async function startAwsEndpoints(opts: AwsEndpointsOptions): Promise<AwsEndpoints> {
  const secrets = new Map<string, StoredSecret>();
  const setSecret = (name: string, value: string): void => {
    const existing = secrets.get(name);
    // Real ARNs end in a random 6-character suffix; keep it stable across versions of one secret.
    const arn =
      existing?.arn ?? `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${randomSuffix()}`;
    secrets.set(name, {
      name,
      arn,
      value,
      versionId: randomUUID(),
      createdDate: Date.now() / 1000,
      ...(existing ? { previous: { value: existing.value, versionId: existing.versionId } } : {}),
    });
  };
  for (const [name, value] of Object.entries(opts.secrets)) setSecret(name, value);

  const events = new EventEmitter<{ event: [LocalEvent] }>();
  const putEvents: LocalEvent[] = [];

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    'secretsmanager.GetSecretValue': (input) => {
      const secretId = input.SecretId;
      if (typeof secretId !== 'string' || secretId === '') {
        throw new AwsError('InvalidParameterException', 'SecretId is required.');
      }
      const secret = secrets.get(secretId) ?? [...secrets.values()].find((s) => s.arn === secretId);
      if (secret === undefined) {
        throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      }
      if (input.VersionId !== undefined && input.VersionId !== secret.versionId) {
        throw new AwsError(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for VersionId: ${JSON.stringify(input.VersionId)}`,
        );
      }
      if (input.VersionStage === 'AWSPREVIOUS' && secret.previous) {
        return {
          ARN: secret.arn,
          Name: secret.name,
          SecretString: secret.previous.value,
          VersionId: secret.previous.versionId,
          VersionStages: ['AWSPREVIOUS'],
          CreatedDate: secret.createdDate,
        };
      }
      if (input.VersionStage !== undefined && input.VersionStage !== 'AWSCURRENT') {
        throw new AwsError(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for staging label: ${JSON.stringify(input.VersionStage)}`,
        );
      }
      return {
        ARN: secret.arn,
        Name: secret.name,
        SecretString: secret.value,
        VersionId: secret.versionId,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: secret.createdDate,
      };
    },
    'AWSEvents.PutEvents': (input) => {
      const entries = input.Entries;
      if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_PUT_EVENTS_ENTRIES) {
        throw new AwsError(
          'ValidationException',
          `Entries must hold 1 to ${MAX_PUT_EVENTS_ENTRIES} entries.`,
        );
      }
      const results = entries.map((entry: unknown) => {
        const accepted = toLocalEvent(entry);
        if ('errorCode' in accepted)
          return { ErrorCode: accepted.errorCode, ErrorMessage: accepted.errorMessage };
        putEvents.push(accepted);
        events.emit('event', accepted);
        return { EventId: accepted.id };
      });
      return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (req.method !== 'POST') throw new AwsError('UnknownOperationException', 'Only POST is supported.');
      const target = req.headers['x-amz-target'];
      const operation = typeof target === 'string' ? operations[target] : undefined;
      if (operation === undefined) {
        throw new AwsError(
          'UnknownOperationException',
          `The local AWS endpoint does not implement ${String(target)}; it implements ${Object.keys(operations).join(', ')}.`,
        );
      }
      const body = await readBody(req);
      let input: unknown;
      try {
        input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch {
        throw new AwsError('SerializationException', 'The request body is not valid JSON.');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new AwsError('SerializationException', 'The request body must be a JSON object.');
      }
      send(res, 200, operation(input as Record<string, unknown>));
    } catch (error) {
      const awsError =
        error instanceof AwsError
          ? error
          : new AwsError('InternalFailure', error instanceof Error ? error.message : String(error), 500);
      res.setHeader('x-amzn-ErrorType', awsError.type);
      send(res, awsError.statusCode, { __type: awsError.type, message: awsError.message });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: opts.port ?? 0, host: '127.0.0.1' }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    events,
    putEvents,
    setSecret,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function toLocalEvent(entry: unknown): LocalEvent | { errorCode: string; errorMessage: string } {
  if (typeof entry !== 'object' || entry === null) {
    return { errorCode: 'InvalidArgument', errorMessage: 'Entry is not an object.' };
  }
  const { Source, DetailType, Detail, EventBusName, Time, Resources } = entry as Record<string, unknown>;
  for (const [name, value] of [
    ['Source', Source],
    ['DetailType', DetailType],
    ['Detail', Detail],
  ] as const) {
    if (typeof value !== 'string' || value === '') {
      return {
        errorCode: 'InvalidArgument',
        errorMessage: `Parameter ${name} is not valid. Reason: ${name} is required.`,
      };
    }
  }
  let detail: unknown;
  try {
    detail = JSON.parse(Detail as string);
  } catch {
    return { errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' };
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return { errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' };
  }
  // The SDK serialises Time as epoch seconds in the JSON protocol.
  const time =
    typeof Time === 'number' ? new Date(Time * 1000) : typeof Time === 'string' ? new Date(Time) : new Date();
  return {
    id: randomUUID(),
    source: Source as string,
    detailType: DetailType as string,
    detail,
    time: (Number.isNaN(time.getTime()) ? new Date() : time).toISOString(),
    eventBusName: typeof EventBusName === 'string' && EventBusName !== '' ? EventBusName : 'default',
    resources: Array.isArray(Resources) ? Resources.filter((r): r is string => typeof r === 'string') : [],
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES)
      throw new AwsError('ValidationException', 'The request body is too large.', 413);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, statusCode: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(statusCode, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(payload);
}

const randomSuffix = (): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length: 6 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
};
