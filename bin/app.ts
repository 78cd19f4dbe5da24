#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { MlConnectorStack } from '../lib/ml-connector-stack';

const app = new App();
new MlConnectorStack(app, 'MlConnector', {
  description: 'ml-connector: one-way sync of QuickBooks Online customers into Pipedrive organizations',
});
app.synth();
