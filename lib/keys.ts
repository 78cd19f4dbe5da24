import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface ConnectorKeysProps {
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Two customer-managed keys, both rotated yearly. The token key only envelope-encrypts OAuth tokens,
 * so only the functions that hold tokens may use it. The data key encrypts the table, the queues and
 * the alarm topic: every function that reads the table or sends a message needs kms:Decrypt on it,
 * which must not also open the tokens (the webhook function is public-facing).
 */
export class ConnectorKeys extends Construct {
  readonly tokenKey: Key;
  readonly dataKey: Key;

  constructor(scope: Construct, id: string, props: ConnectorKeysProps) {
    super(scope, id);
    this.tokenKey = new Key(this, 'TokenKey', {
      description: 'ml-connector: envelope encryption of QuickBooks and Pipedrive OAuth tokens',
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy: props.removalPolicy,
    });
    this.dataKey = new Key(this, 'DataKey', {
      description: 'ml-connector: encryption at rest of the table, the queues and the alarm topic',
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy: props.removalPolicy,
    });
    // CloudWatch alarms publish to the encrypted SNS topic, which needs the key on their behalf.
    this.dataKey.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
  }
}
