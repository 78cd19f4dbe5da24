import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import { MAX_RECEIVE_COUNT } from '../functions/shared/retry-policy';

/** Attempts before a message moves to its dead-letter queue (docs/architecture.md#components); the worker audits the last one. */
export { MAX_RECEIVE_COUNT };
/** AWS guidance: visibility at least six times the consumer's timeout, so a retried batch is never visible twice. */
export const VISIBILITY_PER_CONSUMER_TIMEOUT = 6;

export interface QueuesProps {
  readonly key: IKey;
  /** The timeout of the function that consumes both queues. */
  readonly consumerTimeout: Duration;
  /** The timeout of the poll function, which consumes the schedule queue. */
  readonly scheduleConsumerTimeout: Duration;
  readonly removalPolicy: RemovalPolicy;
}

export interface FifoQueueWithDlq {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
}

/**
 * The FIFO queues: `changes` (webhook and CDC, per-customer order), `bulk` (backfill and reconcile),
 * and `schedule`: one message per connection and scheduled run, each its own poll invocation
 * (decision 38), grouped by realm so one realm's units never overlap.
 */
export class Queues extends Construct {
  readonly changes: FifoQueueWithDlq;
  readonly bulk: FifoQueueWithDlq;
  readonly schedule: FifoQueueWithDlq;

  constructor(scope: Construct, id: string, props: QueuesProps) {
    super(scope, id);
    this.changes = this.fifoQueueWithDlq('Changes', props);
    this.bulk = this.fifoQueueWithDlq('Bulk', props);
    this.schedule = this.fifoQueueWithDlq('Schedule', { ...props, consumerTimeout: props.scheduleConsumerTimeout });
  }

  private fifoQueueWithDlq(id: string, props: QueuesProps): FifoQueueWithDlq {
    const encrypted = {
      fifo: true,
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      // Keys are reused for five minutes rather than one KMS call per message.
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
    } as const;
    const deadLetterQueue = new Queue(this, `${id}DeadLetters`, { ...encrypted, retentionPeriod: Duration.days(14) });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'Serverless::Serverless-SQSRedrivePolicy',
      reason:
        'This is the dead-letter queue; messages here are inspected and redriven by the operator, alarmed on arrival',
    });
    const queue = new Queue(this, id, {
      ...encrypted,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * VISIBILITY_PER_CONSUMER_TIMEOUT),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    return { queue, deadLetterQueue };
  }
}
