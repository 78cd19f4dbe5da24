import type { Log } from './log';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** One Logger and one Metrics per container; service and namespace come from the Powertools environment. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ml-connector' });
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'MlConnector',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ml-connector',
});

/** The Logger behind the core's small `Log` interface. */
export const log: Log = {
  debug: (message, attributes = {}) => {
    logger.debug(message, attributes);
  },
  info: (message, attributes = {}) => {
    logger.info(message, attributes);
  },
  warn: (message, attributes = {}) => {
    logger.warn(message, attributes);
  },
  error: (message, attributes = {}) => {
    logger.error(message, attributes);
  },
};
