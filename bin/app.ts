#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addComplianceChecks } from '../lib/compliance';
import { MlConnectorStack } from '../lib/ml-connector-stack';

const app = new App();
addComplianceChecks(app);
new MlConnectorStack(app, 'MlConnector', {
  description: 'ml-connector: one-way sync of QuickBooks Online customers into Pipedrive organizations',
});
app.synth();
