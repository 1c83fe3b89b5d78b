import { resolve } from "node:path";
import { Duration } from "aws-cdk-lib";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, Runtime } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { handlerBundling } from "../bundling.ts";
import type { TableAccess } from "../topology.ts";
import { keepFormerLogicalIds } from "./former-logical-ids.ts";
import { receiverLogGroup } from "./log-group.ts";
import type { ReceiverTable } from "./receiver-table.ts";

const repositoryRoot = resolve(import.meta.dirname, "../..");

/** A function's log group is made beside it, under this id. */
const logGroupId = (functionId: string) => `${functionId}Logs`;

export interface ReceiverFunctionProps {
  /** Module exporting `handler`, relative to the repository root (as in the topology). */
  entry: string;
  description: string;
  memorySizeMb: number;
  timeoutSeconds: number;
  environment: Record<string, string>;
  /**
   * The id it had when the stack made it directly. Its log group keeps the logical id it got then:
   * a new id would make CloudFormation replace the log group, deleting its logs.
   */
  formerId?: string;
}

/**
 * A Lambda function of this system: Node.js 24 on arm64, its handler bundled locally by esbuild
 * into minified ESM with a source map beside it (read only when an error is logged), logging to
 * its own log group, and allowed nothing but that log group until a helper below grants it a
 * queue or a table.
 */
export class ReceiverFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ReceiverFunctionProps) {
    // Made beside the function: NodejsFunction needs them before `this` exists.
    const logGroup = receiverLogGroup(scope, logGroupId(id));
    if (props.formerId !== undefined) keepFormerLogicalIds(logGroup, logGroupId(props.formerId));
    // Instead of AWSLambdaBasicExecutionRole, which may write to every log group in the account.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `Runs ${props.entry}`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: resolve(repositoryRoot, props.entry),
      handler: "handler",
      projectRoot: repositoryRoot,
      depsLockFilePath: resolve(repositoryRoot, "package-lock.json"),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySizeMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      description: props.description,
      role,
      logGroup,
      // No NODE_OPTIONS=--enable-source-maps: logged stacks are mapped when logged (infra/bundling.ts).
      environment: props.environment,
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        mainFields: [...handlerBundling.mainFields],
        banner: handlerBundling.banner,
        minify: handlerBundling.minify,
        sourceMap: handlerBundling.sourceMap,
        sourcesContent: handlerBundling.sourcesContent,
        // The SDK versions the tests ran against, not whichever the runtime ships this month.
        bundleAwsSDK: true,
      },
    });
  }

  /** sqs:SendMessage on this queue, and nothing else on it. */
  allowSendingTo(queue: IQueue): void {
    this.addToRolePolicy(new PolicyStatement({ actions: ["sqs:SendMessage"], resources: [queue.queueArn] }));
  }

  /**
   * sns:Publish on this topic, and nothing else on it. No KMS grant: the topic's key is the AWS managed
   * one, whose key policy lets the account's principals use it through SNS.
   */
  allowPublishingTo(topic: ITopic): void {
    this.addToRolePolicy(new PolicyStatement({ actions: ["sns:Publish"], resources: [topic.topicArn] }));
  }

  /**
   * Exactly `access` on this table: its item actions on the table's items, Query on the indexes it names.
   * Nothing else on the table: no scans, no queries of the table itself or of another index.
   */
  allowTableAccess(table: ReceiverTable, access: TableAccess): void {
    if (access.items.length > 0) {
      const actions = access.items.map((action) => `dynamodb:${action}`);
      this.addToRolePolicy(new PolicyStatement({ actions, resources: [table.tableArn] }));
    }
    const indexes = access.queries ?? [];
    if (indexes.length > 0) {
      const resources = indexes.map((indexName) => `${table.tableArn}/index/${indexName}`);
      this.addToRolePolicy(new PolicyStatement({ actions: ["dynamodb:Query"], resources }));
    }
  }
}
