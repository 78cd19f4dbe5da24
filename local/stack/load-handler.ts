/**
 * Loads a function's handler after the stack has set its environment (handlers parse their
 * configuration when their module loads). `require`, so this also works under Jest, which runs
 * CommonJS and cannot `import()` without experimental VM modules.
 */
export function loadHandler(modulePath: string): (event: unknown, context: unknown) => Promise<unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded: unknown = require(modulePath);
  const handler: unknown = typeof loaded === 'object' && loaded !== null ? Reflect.get(loaded, 'handler') : undefined;
  if (typeof handler !== 'function') throw new Error(`${modulePath} exports no handler`);
  return (event, context) => Promise.resolve(Reflect.apply(handler, undefined, [event, context]));
}

let invocation = 0;

/** A Lambda context good enough for middy and Powertools. */
export function lambdaContext(functionName: string) {
  invocation++;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: `local-${functionName}-${invocation}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
