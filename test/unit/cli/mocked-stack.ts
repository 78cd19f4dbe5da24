import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';

/** A Lambda response payload (the SDK types it as its blob adapter; the CLI only decodes the bytes). */
export const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as never;

/**
 * The AWS SDK mocked for a deployed stack named MlConnector with these outputs, set afresh before
 * each test; `clients` is what the CLI is handed in place of the SDK it would load.
 */
export function useMockedStack(outputs: Record<string, string>) {
  const cloudFormation = mockClient(CloudFormationClient);
  const lambda = mockClient(LambdaClient);
  const clients = {
    cloudFormation: new CloudFormationClient({}),
    lambda: new LambdaClient({}),
    // The SDK the CLI would load on first use (Jest runs no dynamic import()).
    sdk: { CloudFormationClient, DescribeStacksCommand, InvokeCommand, LambdaClient },
  };
  beforeEach(() => {
    cloudFormation.reset();
    lambda.reset();
    cloudFormation.on(DescribeStacksCommand, { StackName: 'MlConnector' }).resolves({
      Stacks: [
        {
          StackName: 'MlConnector',
          CreationTime: new Date(0),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
        },
      ],
    });
  });
  return { cloudFormation, lambda, clients };
}
