import { type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** The secret names the functions read as `<NAME>_SECRET_ARN` (functions/aws/secrets.ts). */
export const SECRET_NAMES = [
  'QBO_CLIENT_SECRET',
  'PIPEDRIVE_CLIENT_SECRET',
  'WEBHOOK_VERIFIER_TOKENS',
  'OAUTH_START_TOKEN',
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

const DESCRIPTIONS: Readonly<Record<SecretName, string>> = {
  QBO_CLIENT_SECRET: 'ml-connector: the Intuit app client secret (set it after deploying)',
  PIPEDRIVE_CLIENT_SECRET: 'ml-connector: the Pipedrive app client secret (set it after deploying)',
  WEBHOOK_VERIFIER_TOKENS: 'ml-connector: Intuit webhook verifier tokens, comma-separated during a rotation',
  OAUTH_START_TOKEN:
    'ml-connector: the token a connection link must carry (generated; the CLI reads it to build links)',
};

export interface ConnectorSecretsProps {
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The third-party secrets. The template carries no value: CloudFormation generates a random
 * placeholder that matches nothing, so until the user sets the real one the functions fail closed
 * (webhooks are rejected, OAuth exchanges fail) rather than run with a guessable value.
 */
export class ConnectorSecrets extends Construct {
  readonly byName: Readonly<Record<SecretName, Secret>>;

  constructor(scope: Construct, id: string, props: ConnectorSecretsProps) {
    super(scope, id);
    const secret = (name: SecretName): Secret =>
      new Secret(this, name, {
        description: DESCRIPTIONS[name],
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
        removalPolicy: props.removalPolicy,
      });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'Values are issued by Intuit and Pipedrive and can only be rotated in their developer consoles; the verifier-token secret holds a comma-separated list so old and new tokens overlap during a manual rotation',
    });
    this.byName = {
      QBO_CLIENT_SECRET: secret('QBO_CLIENT_SECRET'),
      PIPEDRIVE_CLIENT_SECRET: secret('PIPEDRIVE_CLIENT_SECRET'),
      WEBHOOK_VERIFIER_TOKENS: secret('WEBHOOK_VERIFIER_TOKENS'),
      OAUTH_START_TOKEN: secret('OAUTH_START_TOKEN'),
    };
  }
}
