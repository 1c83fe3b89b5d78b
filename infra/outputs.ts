/**
 * Names of the stack outputs that tools read back (`npm run smoke`), defined once for the stack
 * that writes them and the tools that read them.
 */
import type { QueueId, RouteId, TableId } from "./topology.ts";

/** Topology ids are camelCase; CloudFormation ids read better as PascalCase. */
export const pascalCase = (id: string) => `${id.charAt(0).toUpperCase()}${id.slice(1)}`;

export const outputKeys = {
  routeUrl: (routeId: RouteId) => `${pascalCase(routeId)}Url`,
  tableName: (tableId: TableId) => `${pascalCase(tableId)}TableName`,
  tableConsole: (tableId: TableId) => `${pascalCase(tableId)}TableConsole`,
  urlSecretArn: "UrlSecretArn",
  /** `npm run redrive` moves a dead-letter queue's messages back to their queue (SQS message move task). */
  deadLetterQueueArn: (queueId: QueueId) => `${pascalCase(queueId)}DeadLetterQueueArn`,
  deadLetterQueueUrl: (queueId: QueueId) => `${pascalCase(queueId)}DeadLetterQueueUrl`,
  /** A queue the customer's systems send to themselves (the outbox): `OutboxQueueUrl`, `OutboxQueueArn`. */
  queueUrl: (queueId: QueueId) => `${pascalCase(queueId)}QueueUrl`,
  queueArn: (queueId: QueueId) => `${pascalCase(queueId)}QueueArn`,
  /** The managed policy that lets a role or user send through the outbox and read a send's outcome. */
  sendPolicyArn: "SendPolicyArn",
  /**
   * The settings that decide an inbound SMS's acceptance (TOBETEXT_NUMBERS, TOBETEXT_PREFIXES), as JSON:
   * the very values the same deploy gives the functions. `npm run replay` decides with them.
   */
  acceptanceSettings: "AcceptanceSettings",
  /** Where the real ToBeText Cid and token are put (README "Who may send (IAM)"). */
  toBeTextCredentialsSecretArn: "ToBeTextCredentialsSecretArn",
};
