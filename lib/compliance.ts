import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { Construct } from 'constructs';

/** cdk-nag's AWS Solutions and Serverless packs: an unacknowledged finding fails synthesis. */
export function addComplianceChecks(app: Construct): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}
