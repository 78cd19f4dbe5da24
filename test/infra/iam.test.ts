import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { CfnRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnKey } from 'aws-cdk-lib/aws-kms';
import { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import * as z from 'zod';
import { connectorTemplate } from './synth';

const { stack, template } = connectorTemplate();

const Statement = z.object({
  Effect: z.enum(['Allow', 'Deny']),
  Action: z.union([z.string(), z.array(z.string())]),
  Resource: z.unknown(),
});
type Statement = z.infer<typeof Statement>;
const Policy = z.object({
  Properties: z.object({
    Roles: z.array(z.object({ Ref: z.string() })),
    PolicyDocument: z.object({ Statement: z.array(Statement) }),
  }),
});

function logicalIdOf(construct: IConstruct | undefined): string {
  const child = construct?.node.defaultChild;
  if (!(child instanceof CfnRole || child instanceof CfnKey || child instanceof CfnQueue)) {
    throw new Error('expected a role, key or queue');
  }
  return Stack.of(child).getLogicalId(child);
}

/** Every Allow statement attached to the function's role. */
function allowedStatements(fn: IFunction): Statement[] {
  const roleId = logicalIdOf(fn.role);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .map((resource) => Policy.parse(resource).Properties)
    .filter((policy) => policy.Roles.some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.PolicyDocument.Statement)
    .filter((statement) => statement.Effect === 'Allow');
}
const actionsOf = (statement: Statement) => [statement.Action].flat();
const mentions = (statement: Statement, logicalId: string) => JSON.stringify(statement.Resource).includes(logicalId);

const tokenKeyId = logicalIdOf(stack.keys.tokenKey);
const dataKeyId = logicalIdOf(stack.keys.dataKey);
const { webhook, worker, oauth, operations } = stack.functions;

describe('webhook role', () => {
  it('cannot use the token key at all', () => {
    const onTokenKey = allowedStatements(webhook).filter((statement) => mentions(statement, tokenKeyId));
    expect(onTokenKey).toEqual([]);
  });

  it('may use the data key, which SQS encryption and the table need', () => {
    const onDataKey = allowedStatements(webhook).filter((statement) => mentions(statement, dataKeyId));
    expect(onDataKey.flatMap(actionsOf)).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']));
  });

  it('reads only connection items and the connection listing, only their keys, realm id and Pipedrive webhook hash', () => {
    const onTable = allowedStatements(webhook).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('dynamodb:')),
    );
    expect(onTable.flatMap(actionsOf).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(webhook.role) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['dynamodb:GetItem', 'dynamodb:Query'],
            Condition: {
              'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CONN#*', 'CONNECTIONS'] },
              // pipedriveWebhook: the salted hash that verifies a Pipedrive webhook's Basic auth (decision 63).
              'ForAllValues:StringEquals': {
                'dynamodb:Attributes': ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'realmId', 'pipedriveWebhook'],
              },
              StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
            },
          }),
        ]),
      },
    });
  });

  it('cannot write to the table', () => {
    const actions = allowedStatements(webhook).flatMap(actionsOf);
    expect(actions.filter((action) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(action))).toEqual([]);
  });

  it('may send to the changes queue and, for an early poll (decision 65), the schedule queue only', () => {
    const sends = allowedStatements(webhook).filter((statement) => actionsOf(statement).includes('sqs:SendMessage'));
    expect(sends.map((statement) => statement.Resource)).toEqual([
      { 'Fn::GetAtt': [logicalIdOf(stack.queues.changes.queue), 'Arn'] },
      { 'Fn::GetAtt': [logicalIdOf(stack.queues.schedule.queue), 'Arn'] },
    ]);
  });

  it('reads only the verifier-token secret', () => {
    const reads = allowedStatements(webhook).filter((statement) =>
      actionsOf(statement).includes('secretsmanager:GetSecretValue'),
    );
    expect(reads).toHaveLength(1);
    expect(JSON.stringify(reads[0]?.Resource)).toContain('WEBHOOKVERIFIERTOKENS');
  });
});

describe('token holders', () => {
  it.each([
    ['worker', worker],
    ['oauth', oauth],
  ])('%s may encrypt and decrypt with the token key', (_name, fn) => {
    const onTokenKey = allowedStatements(fn).filter((statement) => mentions(statement, tokenKeyId));
    expect(onTokenKey.flatMap(actionsOf)).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:Decrypt']));
  });
});

describe('operations role (the CLI)', () => {
  const queueIds = {
    changes: logicalIdOf(stack.queues.changes.queue),
    bulk: logicalIdOf(stack.queues.bulk.queue),
    changesDlq: logicalIdOf(stack.queues.changes.deadLetterQueue),
    bulkDlq: logicalIdOf(stack.queues.bulk.deadLetterQueue),
  };
  const statements = allowedStatements(operations);
  const on = (logicalId: string) => statements.filter((statement) => mentions(statement, logicalId)).flatMap(actionsOf);

  it('may take messages off the dead-letter queues, and only off them', () => {
    expect(on(queueIds.changesDlq)).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    expect(on(queueIds.bulkDlq)).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    expect(on(queueIds.changes)).not.toContain('sqs:DeleteMessage');
    expect(on(queueIds.bulk)).not.toContain('sqs:ReceiveMessage');
  });

  it('may send replays and redriven messages to both work queues', () => {
    expect(on(queueIds.changes)).toContain('sqs:SendMessage');
    expect(on(queueIds.bulk)).toContain('sqs:SendMessage');
  });

  it('reads the start token, which connection links carry', () => {
    const reads = statements.filter((statement) => actionsOf(statement).includes('secretsmanager:GetSecretValue'));
    expect(JSON.stringify(reads.map((statement) => statement.Resource))).toContain('OAUTHSTARTTOKEN');
  });
});

describe('every role', () => {
  it('writes logs only to its own function log group', () => {
    for (const fn of Object.values(stack.functions.all)) {
      const logStatements = allowedStatements(fn).filter((statement) =>
        actionsOf(statement).some((action) => action.startsWith('logs:')),
      );
      expect(logStatements).toHaveLength(1);
      expect(logStatements[0]?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/Logs/), 'Arn'] });
    }
  });

  it('has no managed policies', () => {
    template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });
});
