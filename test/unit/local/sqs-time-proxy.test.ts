import { compressedSeconds, compressVisibility } from '../../../local/aws/sqs-time-proxy';

describe('the SQS time-compressing proxy', () => {
  it('compresses the visibility timeouts of ChangeMessageVisibility and its batch form, never below a second', () => {
    expect(
      JSON.parse(compressVisibility('{"QueueUrl":"q","ReceiptHandle":"r","VisibilityTimeout":300}', 1 / 30)),
    ).toEqual({
      QueueUrl: 'q',
      ReceiptHandle: 'r',
      VisibilityTimeout: 10,
    });
    const batch = JSON.parse(
      compressVisibility('{"Entries":[{"Id":"a","VisibilityTimeout":15},{"Id":"b","VisibilityTimeout":0}]}', 1 / 30),
    ) as { Entries: { VisibilityTimeout: number }[] };
    expect(batch.Entries.map((entry) => entry.VisibilityTimeout)).toEqual([1, 0]);
    expect(compressedSeconds(43_200, 1 / 30)).toBe(1440);
  });
});
