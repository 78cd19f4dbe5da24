#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addComplianceChecks } from '../lib/compliance';
import { MissingContextError } from '../lib/config';
import { MlConnectorStack } from '../lib/ml-connector-stack';

const app = new App();
addComplianceChecks(app);
try {
  new MlConnectorStack(app, 'MlConnector', {
    description: 'ml-connector: one-way sync of QuickBooks Online customers into Pipedrive organizations',
  });
} catch (error) {
  // A configuration mistake is one clear line, not a stack trace.
  if (
    !(error instanceof MissingContextError) &&
    !(error instanceof Error && error.message.startsWith('invalid ml-connector context'))
  )
    throw error;
  console.error(error.message);
  process.exit(1);
}
app.synth();
