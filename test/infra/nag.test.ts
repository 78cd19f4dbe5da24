import { Validations } from 'aws-cdk-lib';
import * as z from 'zod';
import { buildConnector } from './synth';

/** Metadata data: rule id → reason. */
const Acknowledgments = z.record(z.string(), z.string());

describe('cdk-nag (AWS Solutions and Serverless packs)', () => {
  const { app } = buildConnector({ bundle: true, complianceChecks: true });

  it('synthesizes the whole app with no unacknowledged finding', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('gives every acknowledgment a specific reason', () => {
    const acknowledgments = app.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(Acknowledgments.parse(entry.data)));
    expect(acknowledgments.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledgments) {
      expect(id).toMatch(/^(AwsSolutions|Serverless)::/);
      expect(reason.length).toBeGreaterThanOrEqual(60);
    }
  });
});
