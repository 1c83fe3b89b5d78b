/**
 * A deployed stack's outputs, as `npx cdk deploy --outputs-file FILE` writes them, for the tools that
 * work on a deployed stack (smoke, send, simulate). Exits with a one-line reason when the file is not usable.
 */
import { readFile } from "node:fs/promises";

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
