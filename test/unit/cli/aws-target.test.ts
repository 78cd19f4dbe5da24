import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { awsTarget, CliError } from '../../../cli/targets';
import { main } from '../../../cli/main';
import { encode, useMockedStack } from './mocked-stack';

const { cloudFormation, lambda, clients } = useMockedStack({
  OperationsFunctionName: 'MlConnector-Operations-abc',
  BackfillFunctionName: 'MlConnector-Backfill-def',
  CdcPollFunctionName: 'MlConnector-CdcPoll-ghi',
});

describe('a deployed stack as the target', () => {
  it("invokes the function the stack's outputs name, with the JSON payload, and returns its answer", async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ summary: { customers: 3 } }) });
    const target = await awsTarget('MlConnector', 'eu-west-1', clients);
    expect(target.description).toBe('stack MlConnector in eu-west-1');
    await expect(target.invoke('backfill', { realmId: '123', dryRun: true })).resolves.toEqual({
      summary: { customers: 3 },
    });
    const call = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(call?.FunctionName).toBe('MlConnector-Backfill-def');
    expect(JSON.parse(new TextDecoder().decode(call?.Payload as Uint8Array))).toEqual({ realmId: '123', dryRun: true });
  });

  it('turns a function error into a message, not a stack trace', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: encode({ errorType: 'Error', errorMessage: 'Task timed out after 900.00 seconds' }),
    });
    const target = await awsTarget('MlConnector', undefined, clients);
    await expect(target.invoke('cdc-poll', { mode: 'reconcile' })).rejects.toThrow(
      new CliError('the cdc-poll function failed: Task timed out after 900.00 seconds'),
    );
  });

  it('says which stack could not be read (wrong name, region or credentials)', async () => {
    cloudFormation
      .on(DescribeStacksCommand, { StackName: 'Nope' })
      .rejects(new Error('Stack with id Nope does not exist'));
    await expect(awsTarget('Nope', 'us-east-2', clients)).rejects.toThrow(
      'Could not read stack Nope in us-east-2: Stack with id Nope does not exist',
    );
  });

  it('names --region when the SDK finds no region', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(new Error('Region is missing'));
    await expect(awsTarget('Nope', undefined, clients)).rejects.toThrow(
      'No AWS region for stack Nope: pass --region REGION (or set AWS_REGION).',
    );
  });

  it('asks for a redeploy when the stack predates the output the command needs', async () => {
    cloudFormation.on(DescribeStacksCommand, { StackName: 'Old' }).resolves({
      Stacks: [{ StackName: 'Old', CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE', Outputs: [] }],
    });
    const target = await awsTarget('Old', undefined, clients);
    await expect(target.invoke('operations', { command: 'status' })).rejects.toThrow(
      /no OperationsFunctionName output/,
    );
  });

  it('prints an operation error with a hint and exits 1 (ping on a connection that needs re-authorization)', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: encode({ ok: false, error: { kind: 'needs-reauth', message: 'connection 123 is needs_reauth' } }),
    });
    const err: string[] = [];
    const code = await main(['ping', '--realm', '123', '--stack', 'MlConnector'], {
      io: {
        out: () => undefined,
        err: (text) => err.push(text),
        interactive: false,
        writeFile: () => Promise.resolve(),
        now: Date.now,
        sleep: () => Promise.resolve(),
      },
      target: ({ stack, region }) => awsTarget(stack ?? '', region, clients),
      readStdin: () => Promise.resolve(''),
      openUrl: () => Promise.resolve(),
    });
    expect(code).toBe(1);
    expect(err).toEqual([
      expect.stringContaining('connection 123 is needs_reauth. Reconnect with `ml-connector connect quickbooks`'),
    ]);
    expect(err.join('')).not.toContain('\n');
  });
});
