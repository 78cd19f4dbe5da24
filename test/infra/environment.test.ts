import { Template } from 'aws-cdk-lib/assertions';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import * as z from 'zod';
import { RuntimeConfig } from '../../functions/handlers/shared/runtime-config';
import { buildConnector } from './synth';

const { stack } = buildConnector({ context: { qboClientId: 'intuit-app-client-id' } });
const template = Template.fromStack(stack);

const FunctionEnvironment = z.object({
  Properties: z.object({ Environment: z.object({ Variables: z.record(z.string(), z.unknown()) }) }),
});

function environmentOf(name: keyof typeof stack.functions.all): Record<string, unknown> {
  const cfn = stack.functions.all[name].node.defaultChild;
  if (!(cfn instanceof CfnFunction)) throw new Error(`${name} has no CfnFunction`);
  const resource = template.findResources('AWS::Lambda::Function')[stack.getLogicalId(cfn)];
  return FunctionEnvironment.parse(resource).Properties.Environment.Variables;
}

/** The RuntimeConfig keys with neither a default nor `.optional()`: a function without them fails at init. */
const REQUIRED_RUNTIME_KEYS = Object.entries(RuntimeConfig.shape)
  .filter(([, schema]) => !schema.safeParse(undefined).success)
  .map(([key]) => key);

describe("function environment against the handlers' schemas", () => {
  it('knows which runtime settings are required', () => {
    expect(REQUIRED_RUNTIME_KEYS).toEqual(expect.arrayContaining(['TABLE_NAME', 'KMS_KEY_ID', 'QBO_CLIENT_ID']));
  });

  it.each(['worker', 'cdcPoll', 'oauth', 'tokenUpkeep', 'backfill', 'operations'] as const)(
    '%s gets every required runtime setting',
    (name) => {
      expect(Object.keys(environmentOf(name))).toEqual(expect.arrayContaining(REQUIRED_RUNTIME_KEYS));
    },
  );

  it.each(['worker', 'cdcPoll', 'oauth', 'tokenUpkeep', 'backfill', 'operations'] as const)(
    '%s gets the ARNs of both client secrets',
    (name) => {
      expect(Object.keys(environmentOf(name))).toEqual(
        expect.arrayContaining(['QBO_CLIENT_SECRET_SECRET_ARN', 'PIPEDRIVE_CLIENT_SECRET_SECRET_ARN']),
      );
    },
  );

  it('the operations function gets the API URL (for connection links) and both dead-letter queues', () => {
    expect(Object.keys(environmentOf('operations'))).toEqual(
      expect.arrayContaining(['API_URL', 'CHANGES_DLQ_URL', 'BULK_DLQ_URL', 'OAUTH_START_TOKEN_SECRET_ARN']),
    );
  });

  it('the operations function gets the monthly QBO call cap its health report projects against', () => {
    expect(environmentOf('operations').QBO_MONTHLY_CALL_CAP).toBe('500000');
  });

  it('the webhook gets its table, queue and verifier tokens, and nothing about tokens or OAuth', () => {
    const environment = environmentOf('webhook');
    expect(Object.keys(environment)).toEqual(
      expect.arrayContaining(['TABLE_NAME', 'CHANGES_QUEUE_URL', 'WEBHOOK_VERIFIER_TOKENS_SECRET_ARN']),
    );
    expect(Object.keys(environment).filter((key) => /KMS|CLIENT_SECRET|BULK/.test(key))).toEqual([]);
  });
});
