/**
 * Powertools logger, metrics and tracer shared by the handlers (service name and level from the Powertools
 * environment variables the stacks set). Logs never carry API keys or full phone numbers.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'mms-gateway' });
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'MmsGateway',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'mms-gateway',
});
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'mms-gateway' });
