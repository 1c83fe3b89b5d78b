import { RemovalPolicy } from "aws-cdk-lib";
import {
  type Attribute,
  AttributeType,
  Billing,
  type GlobalSecondaryIndexPropsV2,
  ProjectionType,
  TableEncryptionV2,
  TableV2,
} from "aws-cdk-lib/aws-dynamodb";
import type { Construct } from "constructs";
import type { TableIndex } from "../index-upgrade.ts";
import type { TableDefinition } from "../topology.ts";

export interface ReceiverTableProps {
  definition: TableDefinition;
  /** Its indexes: the topology's, or those of a step of an upgrade (infra/index-upgrade.ts). */
  indexes: readonly TableIndex[];
}

/** A table as the topology defines it: string keys, on demand, encrypted with KMS, recoverable, never deleted with the stack. */
export class ReceiverTable extends TableV2 {
  readonly definition: TableDefinition;

  constructor(scope: Construct, id: string, props: ReceiverTableProps) {
    const { definition, indexes } = props;
    super(scope, id, {
      partitionKey: stringAttribute(definition.partitionKey),
      sortKey: definition.sortKey === undefined ? undefined : stringAttribute(definition.sortKey),
      globalSecondaryIndexes: indexes.map(globalSecondaryIndex),
      timeToLiveAttribute: definition.timeToLiveAttribute,
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // Phone numbers and message text: encrypted under a KMS key whose use CloudTrail records.
      encryption: TableEncryptionV2.awsManagedKey(),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.definition = definition;
  }
}

function globalSecondaryIndex(index: TableIndex): GlobalSecondaryIndexPropsV2 {
  const { projection } = index;
  return {
    indexName: index.name,
    partitionKey: stringAttribute(index.partitionKey),
    sortKey: index.sortKey === undefined ? undefined : stringAttribute(index.sortKey),
    projectionType: ProjectionType[projection.type],
    ...(projection.type === "INCLUDE" ? { nonKeyAttributes: [...projection.nonKeyAttributes] } : {}),
  };
}

function stringAttribute(name: string): Attribute {
  return { name, type: AttributeType.STRING };
}
