import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { LINK_STATE_INDEX, LISTING_INDEX, TABLE_KEYS, TTL_ATTRIBUTE } from '../functions/store/table-schema';

export interface StorageProps {
  readonly key: IKey;
  readonly removalPolicy: RemovalPolicy;
}

/** The one table (docs/architecture.md#dynamodb-items), its key names shared with the functions through table-schema. */
export class Storage extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partition, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sort, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // Protected unless the user chose `removalPolicy: destroy` (a protected table blocks stack deletion).
      deletionProtection: props.removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy: props.removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: LISTING_INDEX.name,
      partitionKey: { name: LISTING_INDEX.partition, type: AttributeType.STRING },
      sortKey: { name: LISTING_INDEX.sort, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    // A page of one state's customers, newest change first, is a bounded Query (decision 59).
    this.table.addGlobalSecondaryIndex({
      indexName: LINK_STATE_INDEX.name,
      partitionKey: { name: LINK_STATE_INDEX.partition, type: AttributeType.STRING },
      sortKey: { name: LINK_STATE_INDEX.sort, type: AttributeType.NUMBER },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...LINK_STATE_INDEX.projected],
    });
  }
}
