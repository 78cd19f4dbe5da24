import type { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { readLocalState } from './local-state';

/** The functions the CLI invokes, named as in the stack's outputs. */
export type FunctionName = 'operations' | 'backfill' | 'cdc-poll';

/** Where the commands run: the local stack (`npm start`) or a deployed stack. */
export interface Target {
  /** For messages: "the local stack at http://…" or "stack MlConnector in eu-west-1". */
  description: string;
  invoke(name: FunctionName, payload: unknown): Promise<unknown>;
}

/** A problem the operator can fix; printed without a stack trace. */
export class CliError extends Error {}

const FunctionErrorBody = z.object({ errorType: z.string().optional(), errorMessage: z.string().optional() });

function functionFailed(name: string, body: unknown): CliError {
  const parsed = FunctionErrorBody.safeParse(body);
  const detail = parsed.success ? (parsed.data.errorMessage ?? parsed.data.errorType ?? 'no detail') : 'no detail';
  return new CliError(`the ${name} function failed: ${detail}`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The local stack: its state file says where its front listens and the key its invoke route wants. */
export async function localTarget(stateFile: string, fetchImpl: typeof fetch = fetch): Promise<Target> {
  const state = await readLocalState(stateFile);
  if (!state)
    throw new CliError(
      'No local stack is running (start one with `npm start`), or pass --stack NAME to use a deployed stack.',
    );
  return {
    description: `the local stack at ${state.url}`,
    invoke: async (name, payload) => {
      let response: Response;
      try {
        response = await fetchImpl(`${state.url}/_local/invoke/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-local-admin-key': state.adminKey },
          body: JSON.stringify(payload),
        });
      } catch {
        throw new CliError(`The local stack at ${state.url} does not answer. Is \`npm start\` still running?`);
      }
      const body = parseJson(await response.text());
      if (response.status !== 200) throw new CliError(`the local stack refused the call (HTTP ${response.status})`);
      if (response.headers.get('x-amz-function-error')) throw functionFailed(name, body);
      return body;
    },
  };
}

const OUTPUT_FOR: Record<FunctionName, string> = {
  operations: 'OperationsFunctionName',
  backfill: 'BackfillFunctionName',
  'cdc-poll': 'CdcPollFunctionName',
};

/** The two SDK clients the CLI uses, and their commands. */
export interface AwsSdk {
  CloudFormationClient: typeof CloudFormationClient;
  DescribeStacksCommand: typeof DescribeStacksCommand;
  LambdaClient: typeof LambdaClient;
  InvokeCommand: typeof InvokeCommand;
}

/**
 * Loaded only when a command reaches a deployed stack: the SDK clients cost more to load than the
 * rest of the CLI, and `--help` or the local stack need none of it.
 */
async function loadAwsSdk(): Promise<AwsSdk> {
  const [cloudFormation, lambda] = await Promise.all([
    import('@aws-sdk/client-cloudformation'),
    import('@aws-sdk/client-lambda'),
  ]);
  return { ...cloudFormation, ...lambda };
}

/** A deployed stack: its outputs name the functions; the caller's AWS credentials invoke them. */
export async function awsTarget(
  stackName: string,
  region: string | undefined,
  clients: { cloudFormation?: CloudFormationClient; lambda?: LambdaClient; sdk?: AwsSdk } = {},
): Promise<Target> {
  const { CloudFormationClient, DescribeStacksCommand, InvokeCommand, LambdaClient } =
    clients.sdk ?? (await loadAwsSdk());
  const cloudFormation = clients.cloudFormation ?? new CloudFormationClient(region ? { region } : {});
  const lambda = clients.lambda ?? new LambdaClient(region ? { region } : {});
  let outputs: Map<string, string>;
  try {
    const described = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = described.Stacks?.[0];
    if (!stack) throw new CliError(`stack ${stackName} was not found`);
    outputs = new Map(
      (stack.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])),
    );
  } catch (error) {
    if (error instanceof CliError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    // The SDK says only "Region is missing": name the flag that fixes it.
    if (/region is missing/i.test(message))
      throw new CliError(`No AWS region for stack ${stackName}: pass --region REGION (or set AWS_REGION).`);
    throw new CliError(`Could not read stack ${stackName}${region ? ` in ${region}` : ''}: ${message}`);
  }
  return {
    description: `stack ${stackName}${region ? ` in ${region}` : ''}`,
    invoke: async (name, payload) => {
      const functionName = outputs.get(OUTPUT_FOR[name]);
      if (!functionName)
        throw new CliError(`stack ${stackName} has no ${OUTPUT_FOR[name]} output: deploy this version of ml-connector`);
      let answer;
      try {
        answer = await lambda.send(
          new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode(JSON.stringify(payload)) }),
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new CliError(`Could not invoke ${functionName}: ${message}`);
      }
      const body = parseJson(new TextDecoder().decode(answer.Payload ?? new Uint8Array()));
      if (answer.FunctionError) throw functionFailed(name, body);
      return body;
    },
  };
}
