/**
 * A deployed stack's outputs, as `npx cdk deploy --outputs-file FILE` writes them, for the tools that
 * work on a deployed stack (smoke, send, simulate). Exits with a one-line reason when the file is not usable.
 */
import { readFile } from "node:fs/promises";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface StackOutputs {
  stackName: string;
  /** An output's value; exits naming it when the stack has none. */
  output(key: string): string;
}

export async function readStackOutputs(file: string, fail: (message: string) => never): Promise<StackOutputs> {
  let outputs: Record<string, Record<string, string>>;
  try {
    outputs = JSON.parse(await readFile(file, "utf8"));
  } catch {
    fail(
      `cannot read ${file}: deploy with \`npx cdk deploy --outputs-file ${file}\` first, or name the file with --outputs`,
    );
  }
  const stacks = Object.entries(outputs);
  const [stackName, stack] = stacks[0] ?? [];
  if (!stackName || !stack || stacks.length > 1) fail(`${file} must hold the outputs of exactly one stack`);
  return {
    stackName,
    output: (key) => {
      const value = stack[key];
      if (!value) fail(`missing output ${key} of ${stackName} (deployed by an earlier version? deploy again)`);
      return value;
    },
  };
}

/** Exits with a one-line reason when no AWS credentials are found (before a first call fails deep in the SDK). */
/**
 * The DynamoDB and SQS clients of a tool working on the deployed stack, once AWS credentials are
 * found (else `fail` says how to give them).
 */
export async function deployedClients(
  tool: string,
  fail: (message: string) => never,
  region?: string,
): Promise<{ dynamo: DynamoDBDocumentClient; sqs: SQSClient }> {
  const client = new DynamoDBClient(region ? { region } : {});
  await requireAwsCredentials(client, tool, fail);
  return { dynamo: DynamoDBDocumentClient.from(client), sqs: new SQSClient(region ? { region } : {}) };
}

export async function requireAwsCredentials(
  client: { config: { credentials: () => Promise<unknown> } },
  tool: string,
  fail: (message: string) => never,
): Promise<void> {
  try {
    await client.config.credentials();
  } catch {
    fail(
      `${tool} works on the deployed stack, so it needs AWS credentials, and none were found.\n` +
        "Set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and AWS_REGION, as for cdk deploy.",
    );
  }
}
