/**
 * `npm run redrive`: its arguments and the deployed stack's outputs it reads (the AWS path itself needs an
 * account), and, against the local stack, dead letters moved back to their queue and then stored.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { localStackState } from "../../infra/local/stack.ts";
import { localCredentials, localRegion } from "../../infra/local/stand-ins.ts";
import { type LocalStackState, writeLocalState } from "../../infra/local/state.ts";
import { outputKeys } from "../../infra/outputs.ts";
import {
  deadLetterQueuesFromOutputs,
  moveDeadLetters,
  parseRedriveArguments,
  RedriveInputError,
  redriveLocal,
} from "../../infra/tools/redrive.ts";
import type { QueueId } from "../../infra/topology.ts";
import { inboundSmsEnvelope, statusCallbackEnvelope } from "../support/envelopes.ts";
import { startTestPipeline, type TestPipeline } from "../support/pipeline.ts";
import { runNode } from "./fixtures/processes.ts";

describe("npm run redrive: arguments", () => {
  it("redrives every queue of the deployed stack in cdk-outputs.json by default, without waiting", () => {
    expect(parseRedriveArguments([])).toEqual({
      queues: ["inboundSms", "statusCallbacks", "outbox"],
      outputs: "cdk-outputs.json",
      local: false,
      wait: false,
      help: false,
    });
  });

  it("takes one queue, another outputs file, --wait and --local", () => {
    expect(parseRedriveArguments(["--queue", "statusCallbacks", "--outputs", "out.json", "--wait"])).toMatchObject({
      queues: ["statusCallbacks"],
      outputs: "out.json",
      wait: true,
    });
    expect(parseRedriveArguments(["--local", "--queue", "inboundSms"])).toMatchObject({
      queues: ["inboundSms"],
      local: true,
    });
  });

  it.each([
    {
      args: ["--queue", "inbound"],
      error: /--queue must be one of inboundSms, statusCallbacks, outbox, not "inbound"/,
    },
    { args: ["--queue"], error: /--queue/ },
    { args: ["--dry-run"], error: /--dry-run/ },
    { args: ["extra"], error: /extra/ },
  ])("refuses $args in one line", ({ args, error }) => {
    expect(() => parseRedriveArguments(args)).toThrow(RedriveInputError);
    expect(() => parseRedriveArguments(args)).toThrow(error);
  });
});

describe("npm run redrive: the deployed stack's outputs", () => {
  const arn = (name: string) => `arn:aws:sqs:ap-northeast-2:123456789012:${name}`;
  const url = (name: string) => `https://sqs.ap-northeast-2.amazonaws.com/123456789012/${name}`;
  const outputs = {
    "ToBeTextReceiver-dev": {
      InboundSmsUrl: "https://example.execute-api.ap-northeast-2.amazonaws.com/inbound",
      [outputKeys.deadLetterQueueArn("inboundSms")]: arn("inbound-dlq"),
      [outputKeys.deadLetterQueueUrl("inboundSms")]: url("inbound-dlq"),
      [outputKeys.deadLetterQueueArn("statusCallbacks")]: arn("status-dlq"),
      [outputKeys.deadLetterQueueUrl("statusCallbacks")]: url("status-dlq"),
    },
  };

  it("finds each queue's dead-letter queue ARN and URL, and the region from the ARN", () => {
    expect(
      deadLetterQueuesFromOutputs(JSON.stringify(outputs), "cdk-outputs.json", ["inboundSms", "statusCallbacks"]),
    ).toEqual([
      { queue: "inboundSms", arn: arn("inbound-dlq"), url: url("inbound-dlq"), region: "ap-northeast-2" },
      { queue: "statusCallbacks", arn: arn("status-dlq"), url: url("status-dlq"), region: "ap-northeast-2" },
    ]);
    expect(deadLetterQueuesFromOutputs(JSON.stringify(outputs), "cdk-outputs.json", ["statusCallbacks"])).toEqual([
      { queue: "statusCallbacks", arn: arn("status-dlq"), url: url("status-dlq"), region: "ap-northeast-2" },
    ]);
  });

  it.each([
    { what: "not JSON", text: "{", error: /out\.json is not JSON/ },
    { what: "no stack", text: "{}", error: /exactly one stack/ },
    {
      what: "two stacks",
      text: JSON.stringify({ ...outputs, "ToBeTextReceiver-prod": outputs["ToBeTextReceiver-dev"] }),
      error: /exactly one stack/,
    },
    {
      what: "a stack deployed before the dead-letter outputs",
      text: JSON.stringify({ "ToBeTextReceiver-dev": { InboundSmsUrl: "https://example" } }),
      error: /no output InboundSmsDeadLetterQueueArn for ToBeTextReceiver-dev/,
    },
    {
      what: "an ARN that is not an SQS queue's",
      text: JSON.stringify({
        "ToBeTextReceiver-dev": {
          ...outputs["ToBeTextReceiver-dev"],
          [outputKeys.deadLetterQueueArn("inboundSms")]: "arn:aws:sns:ap-northeast-2:123456789012:topic",
        },
      }),
      error: /is not an SQS ARN/,
    },
  ])("says what is wrong with $what", ({ text, error }) => {
    expect(() => deadLetterQueuesFromOutputs(text, "out.json", ["inboundSms"])).toThrow(RedriveInputError);
    expect(() => deadLetterQueuesFromOutputs(text, "out.json", ["inboundSms"])).toThrow(error);
  });
});

describe("npm run redrive --local", () => {
  let pipeline: TestPipeline;
  let state: LocalStackState;
  let sqs: SQSClient;

  beforeAll(async () => {
    pipeline = await startTestPipeline();
    const { stack } = pipeline;
    state = localStackState(stack);
    sqs = new SQSClient({ endpoint: stack.sqsEndpoint, region: localRegion, credentials: localCredentials });
  });

  afterAll(async () => {
    sqs?.destroy();
    await pipeline?.stop();
  });

  /** Messages in a dead-letter queue, visible or not. */
  async function deadLetterCount(queue: QueueId): Promise<number> {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: state.deadLetterQueueUrls[queue],
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
  }

  const sms = (deliveryId: string, text: string) =>
    JSON.stringify(
      inboundSmsEnvelope({
        arrivalId: deliveryId,
        sender: "01056785678",
        recipient: "01012341234",
        prefix: "DLQ",
        text,
      }),
    );

  it("moves every dead letter back to its queue, where it is processed and stored; the dead-letter queues end empty", async () => {
    const ids = Array.from({ length: 12 }, (_, index) => `redrive-${String(index).padStart(2, "0")}`);
    // More than one receive's worth (10).
    await pipeline.enqueueDeadLetters(
      "inboundSms",
      ids.slice(0, 10).map((id) => sms(id, id)),
    );
    await pipeline.enqueueDeadLetters(
      "inboundSms",
      ids.slice(10).map((id) => sms(id, id)),
    );
    await pipeline.enqueueDeadLetters("statusCallbacks", [
      JSON.stringify(
        statusCallbackEnvelope({
          arrivalId: "redrive-status",
          msgId: "redriven-1",
          status: "Success",
          errorCode: "200",
        }),
      ),
    ]);
    expect(await deadLetterCount("inboundSms")).toBe(12);

    expect(await redriveLocal(state, ["inboundSms", "statusCallbacks"])).toEqual({
      inboundSms: { moved: 12, failed: 0 },
      statusCallbacks: { moved: 1, failed: 0 },
    });
    expect(await deadLetterCount("inboundSms")).toBe(0);
    expect(await deadLetterCount("statusCallbacks")).toBe(0);

    const stored = await pipeline.eventually(
      () => pipeline.scan("inboundMessages"),
      (items) => ids.every((id) => items.some((item) => item.text === id)),
    );
    expect(stored.filter((item) => ids.includes(String(item.text)))).toHaveLength(ids.length);
    await pipeline.eventually(
      () => pipeline.scan("deliveryReports"),
      (items) => items.some((item) => item.msgId === "redriven-1" && item.outcome === "delivered"),
    );
  });

  it("runs as npm run redrive -- --local, on the queue named, and says how many it moved", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tobetext-redrive-"));
    try {
      await writeLocalState(state, dir);
      await pipeline.enqueueDeadLetters(
        "inboundSms",
        ["cli-1", "cli-2", "cli-3"].map((id) => sms(id, id)),
      );
      await pipeline.enqueueDeadLetters("statusCallbacks", [
        JSON.stringify(
          statusCallbackEnvelope({
            arrivalId: "cli-status",
            msgId: "left-alone",
            status: "Success",
            errorCode: "200",
          }),
        ),
      ]);

      const run = runNode(["infra/tools/redrive.ts", "--local", "--queue", "inboundSms"], { TOBETEXT_LOCAL_DIR: dir });
      expect(await run.exited).toBe(0);
      expect(run.output).toEqual(["inboundSms: moved 3 message(s) from the dead-letter queue back to the queue"]);
      expect(await deadLetterCount("inboundSms")).toBe(0);
      expect(await deadLetterCount("statusCallbacks")).toBe(1);
      await pipeline.eventually(
        () => pipeline.scan("inboundMessages"),
        (items) => ["cli-1", "cli-2", "cli-3"].every((id) => items.some((item) => item.text === id)),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("deletes a dead letter only once it is sent on: one that cannot be sent stays in the dead-letter queue", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    await pipeline.enqueueDeadLetters(
      "statusCallbacks",
      ["stuck-1", "stuck-2"].map((id) =>
        JSON.stringify(statusCallbackEnvelope({ arrivalId: id, msgId: id, status: "Success", errorCode: "200" })),
      ),
    );
    const before = await deadLetterCount("statusCallbacks");
    expect(before).toBeGreaterThanOrEqual(2);
    const missingQueue = state.queueUrls.statusCallbacks?.replace(/[^/]+$/, "no-such-queue") as string;

    expect(await moveDeadLetters(sqs, state.deadLetterQueueUrls.statusCallbacks as string, missingQueue)).toEqual({
      moved: 0,
      failed: before,
    });
    expect(await deadLetterCount("statusCallbacks")).toBe(before);
    vi.restoreAllMocks();
  });
});
