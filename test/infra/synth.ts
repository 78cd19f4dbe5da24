import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addComplianceChecks } from '../../lib/compliance';
import { MlConnectorStack } from '../../lib/ml-connector-stack';

export interface SynthOptions {
  /** Bundle the functions with esbuild (slow, a few seconds); off, the assets are placeholders. */
  readonly bundle?: boolean;
  /** Run the cdk-nag packs, as bin/app.ts does. */
  readonly complianceChecks?: boolean;
  readonly context?: Record<string, unknown>;
}

/** The app and stack as `cdk synth` builds them; call once per test file. */
export function buildConnector(options: SynthOptions = {}): { app: App; stack: MlConnectorStack } {
  const app = new App({
    context: {
      // Required to synthesize; a test that wants it missing passes `qboClientId: undefined`.
      qboClientId: 'test-intuit-client-id',
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
  if (options.complianceChecks) addComplianceChecks(app);
  const stack = new MlConnectorStack(app, 'MlConnector');
  return { app, stack };
}

export function connectorTemplate(options: SynthOptions = {}): { stack: MlConnectorStack; template: Template } {
  const { stack } = buildConnector(options);
  return { stack, template: Template.fromStack(stack) };
}
