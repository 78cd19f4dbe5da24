import type { Log } from '../shared/log';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** One Logger and one Metrics per container; service and namespace come from the Powertools environment. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ml-connector' });
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'MlConnector',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ml-connector',
  // Metrics' own diagnostics go through the Logger (JSON, with the request id). An invocation with
  // nothing to count (an OAuth page, a quiet poll) is normal here, so that one notice is only DEBUG.
  logger: {
    debug: (...args: unknown[]) => {
      logger.debug(String(args[0]));
    },
    info: (...args: unknown[]) => {
      logger.info(String(args[0]));
    },
    warn: (...args: unknown[]) => {
      const message = String(args[0]);
      if (message.startsWith('No application metrics to publish')) logger.debug(message);
      else logger.warn(message);
    },
    error: (...args: unknown[]) => {
      logger.error(String(args[0]));
    },
  },
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
