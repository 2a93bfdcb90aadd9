import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** The account id of every local ARN. */
export const LOCAL_ACCOUNT = '000000000000';

/** A minimal but complete Lambda `Context`, shared by the local API front end and the pollers. */
export function createLambdaContext(opts: {
  functionName: string;
  timeoutMs: number;
  requestId?: string;
}): Context {
  const deadline = Date.now() + opts.timeoutMs;
  const unsupported = (name: string) => (): never => {
    throw new Error(`context.${name}() is not supported locally; return a promise from the handler`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: opts.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${LOCAL_ACCOUNT}:function:${opts.functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: opts.requestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${opts.functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]local`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}
