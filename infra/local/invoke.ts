/**
 * One local Lambda invocation, as both callers of a function see it: the API Gateway front (which
 * gives up after its integration timeout) and the SQS event source mapping (after the function's
 * timeout). The handler gets a fresh Lambda context; the caller gets what it returned or threw, or a
 * LambdaTimeout once the time is up, whichever comes first.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

/** The account id the local stand-ins show wherever AWS would show one (ARNs, API Gateway's requestContext). */
export const localAccountId = "000000000000";

export type LambdaHandler<Event, Result> = (event: Event, context: Context) => Promise<Result>;

export type InvocationOutcome<Result> = { settled: "resolved"; value: Result } | { settled: "failed"; reason: unknown };

export interface InvocationOptions {
  functionName: string;
  /** How long the caller waits; also what the context's getRemainingTimeInMillis counts down from. */
  timeoutMs: number;
  /** Shapes the context's ARN; defaults to AWS_REGION. */
  region?: string;
}

/** What a caller sees when the handler has not settled in time; the message is Lambda's own. */
export class LambdaTimeout extends Error {
  override name = "LambdaTimeout";
  constructor(timeoutMs: number) {
    super(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
  }
}

/**
 * Runs the handler with a fresh context and never rejects: a handler that throws, even synchronously,
 * or outlives `timeoutMs` settles as "failed". A timed-out handler is not stopped (nothing can stop a
 * promise), but its late result is ignored, as Lambda's caller ignores it.
 */
export async function invokeWithTimeout<Event, Result>(
  handler: LambdaHandler<Event, Result>,
  event: Event,
  options: InvocationOptions,
): Promise<InvocationOutcome<Result>> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<InvocationOutcome<Result>>((resolve) => {
    timer = setTimeout(
      () => resolve({ settled: "failed", reason: new LambdaTimeout(options.timeoutMs) }),
      options.timeoutMs,
    );
  });
  const invocation = Promise.resolve()
    .then(() => handler(event, lambdaContext(options.functionName, options.timeoutMs, options.region)))
    .then(
      (value): InvocationOutcome<Result> => ({ settled: "resolved", value }),
      (reason: unknown): InvocationOutcome<Result> => ({ settled: "failed", reason }),
    );
  try {
    return await Promise.race([invocation, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A Lambda-like context. `region` defaults to AWS_REGION (set on Lambda) and only shapes the ARN.
 * The callback-era methods throw: the handlers here are async and must return or throw instead.
 */
export function lambdaContext(functionName: string, timeoutMs: number, region = defaultRegion()): Context {
  const deadline = Date.now() + timeoutMs;
  const unsupported = (method: string) => () => {
    throw new Error(`context.${method}() is not supported locally: return or throw from the async handler`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:${localAccountId}:function:${functionName}`,
    memoryLimitInMB: "128",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll("-", "/")}/[$LATEST]${randomBytes(16).toString("hex")}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported("done"),
    fail: unsupported("fail"),
    succeed: unsupported("succeed"),
  };
}

function defaultRegion(): string {
  return process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
}
