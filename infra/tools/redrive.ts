/**
 * `npm run redrive`: moves the messages in the dead-letter queues back to their queues, to be processed
 * again. Redriving is safe: the processors are idempotent, so a message already stored is not stored twice.
 *
 *   npm run redrive                          the deployed stack named in cdk-outputs.json; AWS credentials needed
 *   npm run redrive -- --wait                and wait until SQS has moved them, with the counts
 *   npm run redrive -- --queue inboundSms    one queue (inboundSms or statusCallbacks; default both)
 *   npm run redrive -- --outputs FILE        another outputs file
 *   npm run redrive -- --local               the running `npm start`
 *
 * On AWS it starts SQS's own message move task for each dead-letter queue (to the queue the messages
 * came from); the local SQS has no such task, so locally the messages are moved here, one by one.
 */
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type ListMessageMoveTasksResultEntry,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import { type LocalStackState, readLocalState, stateSqsClient } from "../local/state.ts";
import { outputKeys } from "../outputs.ts";
import { type QueueId, queues } from "../topology.ts";

const queueIds = Object.keys(queues) as QueueId[];

const usage =
  "usage: npm run redrive -- [--queue " +
  queueIds.join("|") +
  "] [--outputs FILE] [--wait]\n" +
  "       npm run redrive -- --local [--queue " +
  queueIds.join("|") +
  "]";

/** A mistake in how the tool was called, or in what it was given to read: said in one line, exit 2. */
export class RedriveInputError extends Error {
  override name = "RedriveInputError";
}

export interface RedriveOptions {
  queues: QueueId[];
  outputs: string;
  local: boolean;
  wait: boolean;
  help: boolean;
}

export function parseRedriveArguments(args: string[]): RedriveOptions {
  let values: { queue?: string; outputs: string; local: boolean; wait: boolean; help: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        queue: { type: "string" },
        outputs: { type: "string", default: "cdk-outputs.json" },
        local: { type: "boolean", default: false },
        wait: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    throw new RedriveInputError((error as Error).message);
  }
  if (values.queue !== undefined && !queueIds.includes(values.queue as QueueId)) {
    throw new RedriveInputError(`--queue must be one of ${queueIds.join(", ")}, not "${values.queue}"`);
  }
  return {
    queues: values.queue === undefined ? queueIds : [values.queue as QueueId],
    outputs: values.outputs,
    local: values.local,
    wait: values.wait,
    help: values.help,
  };
}

export interface DeployedDeadLetterQueue {
  queue: QueueId;
  arn: string;
  url: string;
  /** From the ARN: the outputs say where the stack is, so AWS_REGION need not. */
  region: string;
}

/**
 * The dead-letter queues of the one stack in a `cdk deploy --outputs-file` file, which reads
 * `{ "<StackName>": { "<OutputKey>": "value" } }`.
 */
export function deadLetterQueuesFromOutputs(
  outputsText: string,
  file: string,
  selected: QueueId[],
): DeployedDeadLetterQueue[] {
  let outputs: unknown;
  try {
    outputs = JSON.parse(outputsText);
  } catch {
    throw new RedriveInputError(`${file} is not JSON: write it with \`npx cdk deploy --outputs-file ${file}\``);
  }
  const stacks = typeof outputs === "object" && outputs !== null ? Object.entries(outputs) : [];
  const [stackName, stack] = stacks[0] ?? [];
  if (stacks.length !== 1 || typeof stack !== "object" || stack === null) {
    throw new RedriveInputError(`${file} must hold the outputs of exactly one stack`);
  }
  const values = stack as Record<string, unknown>;
  return selected.map((queue) => {
    const output = (key: string) => {
      const value = values[key];
      if (typeof value !== "string" || value === "") {
        throw new RedriveInputError(
          `${file} has no output ${key} for ${stackName}: deploy the current stack, which has it, first`,
        );
      }
      return value;
    };
    const arn = output(outputKeys.deadLetterQueueArn(queue));
    const region = /^arn:[^:]+:sqs:([^:]+):/.exec(arn)?.[1];
    if (!region)
      throw new RedriveInputError(`${file}: ${outputKeys.deadLetterQueueArn(queue)} is not an SQS ARN: ${arn}`);
    return { queue, arn, url: output(outputKeys.deadLetterQueueUrl(queue)), region };
  });
}

export interface MoveResult {
  moved: number;
  /** Received but not sent on: they stay in the dead-letter queue, visible again after its visibility timeout. */
  failed: number;
}

/**
 * What SQS's message move task does, for a stand-in without one: each message of the dead-letter queue
 * is sent to `queueUrl` and only then deleted, so a failure leaves it where it was (a message may be
 * sent twice, never lost; the processors take duplicates in their stride). Runs until the dead-letter
 * queue has no visible message left, or, like SQS's task, has handled as many as it held at the start
 * (a message that fails again and comes back is not chased round in circles).
 */
export async function moveDeadLetters(
  sqs: SQSClient,
  deadLetterQueueUrl: string,
  queueUrl: string,
): Promise<MoveResult> {
  const result: MoveResult = { moved: 0, failed: 0 };
  const heldAtStart = await approximateCount(sqs, deadLetterQueueUrl);
  while (result.moved + result.failed < heldAtStart) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ["All"],
      }),
    );
    if (Messages.length === 0) break;
    for (const message of Messages) {
      try {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: queueUrl,
            MessageBody: message.Body ?? "",
            ...(message.MessageAttributes ? { MessageAttributes: message.MessageAttributes } : {}),
          }),
        );
      } catch (error) {
        result.failed += 1;
        console.error(`could not move message ${message.MessageId}: ${(error as Error).message}`);
        continue;
      }
      await sqs.send(new DeleteMessageCommand({ QueueUrl: deadLetterQueueUrl, ReceiptHandle: message.ReceiptHandle }));
      result.moved += 1;
    }
  }
  return result;
}

/** `--local`: moves each selected dead-letter queue's messages back to its queue in the running `npm start`. */
export async function redriveLocal(state: LocalStackState, selected: QueueId[]): Promise<Record<QueueId, MoveResult>> {
  const sqs = stateSqsClient(state);
  const results = {} as Record<QueueId, MoveResult>;
  try {
    for (const queue of selected) {
      const deadLetterQueueUrl = state.deadLetterQueueUrls[queue];
      const queueUrl = state.queueUrls[queue];
      if (!deadLetterQueueUrl || !queueUrl) throw new Error(`the local stack has no ${queue} queue`);
      results[queue] = await moveDeadLetters(sqs, deadLetterQueueUrl, queueUrl);
    }
  } finally {
    sqs.destroy();
  }
  return results;
}

async function approximateCount(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
}

const finishedStatuses = new Set(["COMPLETED", "FAILED", "CANCELLED"]);

async function redriveDeployed(options: RedriveOptions): Promise<boolean> {
  const outputsText = await readFile(options.outputs, "utf8").catch(() => {
    throw new RedriveInputError(
      `cannot read ${options.outputs}: deploy with \`npx cdk deploy --outputs-file ${options.outputs}\` first, ` +
        "or name the file with --outputs",
    );
  });
  const deadLetterQueues = deadLetterQueuesFromOutputs(outputsText, options.outputs, options.queues);
  const sqs = new SQSClient({ region: deadLetterQueues[0]?.region });
  try {
    await sqs.config.credentials();
  } catch {
    console.error(
      "npm run redrive: redriving a deployed stack needs AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), and none were found",
    );
    process.exit(2);
  }
  let ok = true;
  const started: DeployedDeadLetterQueue[] = [];
  for (const deadLetterQueue of deadLetterQueues) {
    const count = await approximateCount(sqs, deadLetterQueue.url);
    console.log(`${deadLetterQueue.queue}: ${count} message(s) in ${deadLetterQueue.arn}`);
    if (count === 0) continue;
    try {
      // No DestinationArn: SQS returns each message to the queue it was dead-lettered from.
      const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: deadLetterQueue.arn }));
      console.log(`${deadLetterQueue.queue}: message move task started, task handle ${TaskHandle}`);
      started.push(deadLetterQueue);
    } catch (error) {
      ok = false;
      console.error(`${deadLetterQueue.queue}: could not start the message move task: ${(error as Error).message}`);
    }
  }
  if (options.wait) {
    for (const deadLetterQueue of started) {
      const task = await waitForMoveTask(sqs, deadLetterQueue.arn);
      const moved = task.ApproximateNumberOfMessagesMoved ?? 0;
      const toMove = task.ApproximateNumberOfMessagesToMove ?? moved;
      const failure = task.FailureReason ? ` (${task.FailureReason})` : "";
      console.log(
        `${deadLetterQueue.queue}: ${task.Status?.toLowerCase()}, ${moved} moved, ${toMove - moved} not moved${failure}`,
      );
      if (task.Status !== "COMPLETED") ok = false;
    }
  } else if (started.length > 0) {
    console.log("SQS moves them in the background: npm run redrive -- --wait waits and prints the counts");
  }
  sqs.destroy();
  return ok;
}

/**
 * The queue's most recent move task (listed first), once it has finished: a queue runs one task at a
 * time, so that is the one just started.
 */
async function waitForMoveTask(sqs: SQSClient, sourceArn: string): Promise<ListMessageMoveTasksResultEntry> {
  for (;;) {
    const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }));
    const [task] = Results;
    if (task?.Status && finishedStatuses.has(task.Status)) return task;
    await sleep(5_000);
  }
}

async function main(): Promise<void> {
  const options = parseRedriveArguments(process.argv.slice(2));
  if (options.help) {
    console.log(usage);
    return;
  }
  if (!options.local) {
    process.exitCode = (await redriveDeployed(options)) ? 0 : 1;
    return;
  }
  const state = await readLocalState();
  if (!state) throw new RedriveInputError("no local stack is running: start one with npm start");
  const results = await redriveLocal(state, options.queues);
  for (const [queue, { moved, failed }] of Object.entries(results)) {
    console.log(
      `${queue}: moved ${moved} message(s) from the dead-letter queue back to the queue` +
        (failed > 0 ? `; ${failed} could not be moved and stay there` : ""),
    );
  }
  if (Object.values(results).some((result) => result.failed > 0)) process.exitCode = 1;
}

if (import.meta.main) {
  await main().catch((error: unknown) => {
    if (!(error instanceof RedriveInputError)) throw error;
    console.error(`npm run redrive: ${error.message}`);
    process.exit(2);
  });
}
