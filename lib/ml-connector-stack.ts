import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * The deployable connector. Its resources (KMS, DynamoDB, SQS, Lambda, HTTP API, schedules,
 * dashboard and alarms) are added construct by construct; the stack itself only composes them.
 */
export class MlConnectorStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    new CfnOutput(this, 'ConnectorVersion', { value: '0.1.0', description: 'ml-connector version deployed' });
  }
}
