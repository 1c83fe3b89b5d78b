import { RemovalPolicy } from "aws-cdk-lib";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";

/**
 * A log group for one of this system's writers. A month is enough to follow a delivery through
 * receive, queue and processor; what must last is in the tables. Logs go with the stack, so
 * removing a stage leaves no unnamed groups behind.
 */
export function receiverLogGroup(scope: Construct, id: string): LogGroup {
  return new LogGroup(scope, id, { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
}
