import { join, sep } from 'node:path';
import { FUNCTION_TIMEOUT_SECONDS } from '../../lib/function-timeouts';

const FUNCTIONS = join(__dirname, '..', '..', 'functions') + sep;

/**
 * Loads a function's handler after the stack has set its environment (handlers parse their
 * configuration when their module loads). `require`, so this also works under Jest, which runs
 * CommonJS and cannot `import()` without experimental VM modules.
 */
export function loadHandler(modulePath: string): (event: unknown, context: unknown) => Promise<unknown> {
  // Each function gets its own copy of the modules under functions/, as each Lambda has its own
  // container: above all its own Powertools Logger, whose Lambda context (function_name) another
  // function's invocation would otherwise overwrite. (Jest keeps its own registry and ignores this.)
  for (const cached of Object.keys(require.cache))
    if (cached.startsWith(FUNCTIONS)) Reflect.deleteProperty(require.cache, cached);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded: unknown = require(modulePath);
  const handler: unknown = typeof loaded === 'object' && loaded !== null ? Reflect.get(loaded, 'handler') : undefined;
  if (typeof handler !== 'function') throw new Error(`${modulePath} exports no handler`);
  return (event, context) => Promise.resolve(Reflect.apply(handler, undefined, [event, context]));
}

let invocation = 0;

/** The timeout of a function named as in lib/ (`cdcPoll`) or as deployed (`cdc-poll`). */
function timeoutOf(functionName: string): number {
  const key = functionName.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
  const found = Object.entries(FUNCTION_TIMEOUT_SECONDS).find(([name]) => name === key);
  if (!found) throw new Error(`no function named ${functionName} in lib/function-timeouts.ts`);
  return found[1];
}

/**
 * A Lambda context good enough for middy and Powertools. Its time left counts down from the
 * function's real timeout (lib/function-timeouts.ts), as Lambda's does: middy aborts a handler when
 * it reaches zero, and waits inside a handler are sized by it.
 */
export function lambdaContext(
  functionName: string,
  timeoutSeconds: number = timeoutOf(functionName),
  now: () => number = Date.now,
) {
  invocation++;
  const deadline = now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: `local-${functionName}-${invocation}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
