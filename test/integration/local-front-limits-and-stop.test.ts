/**
 * The local API Gateway front and SQS poller at their edges: Lambda's payload quota, which a request's
 * whole event must fit (a form body arrives base64-encoded), and stopping without dropping work.
 */
import { request as httpRequest } from "node:http";
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { startFauxqs } from "fauxqs";
import { afterEach, describe, expect, it } from "vitest";
import { lambdaMaxRequestPayloadBytes } from "../../infra/local/api-gateway-event.ts";
import { type HttpHandler, type RunningHttpFront, startHttpFront } from "../../infra/local/http-front.ts";
import { invokeWithTimeout, LambdaTimeout } from "../../infra/local/invoke.ts";
import { startSqsPoller } from "../../infra/local/sqs-poller.ts";
import { limits } from "../../infra/topology.ts";

const fronts: RunningHttpFront[] = [];
afterEach(async () => {
  await Promise.all(fronts.splice(0).map((front) => front.close()));
});

async function front(handler: HttpHandler): Promise<RunningHttpFront> {
  const started = await startHttpFront({
    port: 0,
    maxBodyBytes: limits.apiGatewayMaxBodyBytes,
    routes: [{ path: "/inbound", handler }],
  });
  fronts.push(started);
  return started;
}

/** A promise and the function that settles it, for a handler to wait on. */
function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe("local HTTP front: Lambda's 6 MB payload quota", () => {
  const MiB = 1024 * 1024;

  it("is 6 MiB, the quota Lambda enforces for a synchronous invocation's request", () => {
    expect(lambdaMaxRequestPayloadBytes).toBe(6_291_456);
  });

  it.each([
    { what: "a 4 MiB binary body (5.3 MiB in base64)", size: 4 * MiB, type: "application/octet-stream", invoked: true },
    {
      what: "a 5 MiB binary body (6.7 MiB in base64)",
      size: 5 * MiB,
      type: "application/octet-stream",
      invoked: false,
    },
    {
      what: "a 5 MiB form, base64-encoded like any form",
      size: 5 * MiB,
      type: "application/x-www-form-urlencoded",
      invoked: false,
    },
    { what: "a 5 MiB text body, passed as text", size: 5 * MiB, type: "text/plain", invoked: true },
    { what: "a 6 MiB text body, and the event around it", size: 6 * MiB, type: "text/plain", invoked: false },
  ])("$what: invoked $invoked, else 413 from API Gateway", async ({ size, type, invoked }) => {
    const events: APIGatewayProxyEventV2[] = [];
    const { url } = await front(async (event) => {
      events.push(event);
      return { statusCode: 200, body: "ok" };
    });

    const response = await fetch(`${url}/inbound`, {
      method: "POST",
      headers: { "content-type": type },
      body: new Uint8Array(size).fill(0x61),
    });
    if (invoked) {
      expect(response.status).toBe(200);
      expect(events).toHaveLength(1);
      expect(Buffer.byteLength(JSON.stringify(events[0]))).toBeLessThanOrEqual(lambdaMaxRequestPayloadBytes);
    } else {
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual({ message: "Request Entity Too Large" });
      expect(events).toEqual([]);
    }
  });
});

describe("local Lambda invocation (the front's integration timeout, the poller's function timeout)", () => {
  const options = { functionName: "local-test", timeoutMs: 200, region: "ap-northeast-2" };

  it("settles with what the handler returns, the context counting down from the timeout", async () => {
    const outcome = await invokeWithTimeout(
      async (event: string, context) => ({
        event,
        arn: context.invokedFunctionArn,
        remaining: context.getRemainingTimeInMillis(),
      }),
      "ping",
      options,
    );
    expect(outcome).toEqual({
      settled: "resolved",
      value: {
        event: "ping",
        arn: "arn:aws:lambda:ap-northeast-2:000000000000:function:local-test",
        remaining: expect.any(Number),
      },
    });
    const remaining = outcome.settled === "resolved" ? outcome.value.remaining : 0;
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(200);
  });

  it("settles as failed, never rejecting, when the handler throws, even before its first await", async () => {
    const thrown = new Error("synchronous");
    const handler = (() => {
      throw thrown;
    }) as unknown as (event: string) => Promise<string>;
    expect(await invokeWithTimeout(handler, "ping", options)).toEqual({ settled: "failed", reason: thrown });
  });

  it("settles as failed with Lambda's timeout message once the time is up, and ignores a late result", async () => {
    const startedAt = performance.now();
    const outcome = await invokeWithTimeout(
      () => new Promise<string>((resolve) => setTimeout(() => resolve("late"), 400)),
      "ping",
      options,
    );
    expect(performance.now() - startedAt).toBeLessThan(400);
    expect(outcome.settled).toBe("failed");
    const reason = outcome.settled === "failed" ? outcome.reason : undefined;
    expect(reason).toBeInstanceOf(LambdaTimeout);
    expect((reason as Error).message).toBe("Task timed out after 0.20 seconds");
  });
});

describe("local HTTP front: close()", () => {
  it("refuses new connections, answers the request in progress, then resolves", async () => {
    const handlerGate = gate();
    const started = gate();
    const front = await startHttpFront({
      port: 0,
      maxBodyBytes: 1024,
      routes: [
        {
          path: "/inbound",
          handler: async () => {
            started.open();
            await handlerGate.opened;
            return { statusCode: 200, body: "answered" };
          },
        },
      ],
    });

    const answer = new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
      const request = httpRequest(`${front.url}/inbound`, { method: "POST" }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            connection: response.headers.connection,
          }),
        );
      });
      request.on("error", reject);
      request.end("x");
    });
    await started.opened;

    let closed = false;
    const closing = front.close().then(() => {
      closed = true;
    });
    await expect(fetch(`${front.url}/inbound`, { method: "POST", body: "late" })).rejects.toThrow();
    expect(closed).toBe(false);

    handlerGate.open();
    expect(await answer).toEqual({ status: 200, body: "answered", connection: "close" });
    await closing;
    expect(closed).toBe(true);
  });
});

describe("local SQS poller: stop()", () => {
  it("finishes the batch it holds and receives nothing more: the rest stays queued", async () => {
    const server = await startFauxqs({ port: 0, logger: false });
    const sqs = new SQSClient({
      endpoint: server.address,
      region: "eu-west-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    try {
      const { QueueUrl: queueUrl = "" } = await sqs.send(new CreateQueueCommand({ QueueName: "stop-test" }));
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: ["one", "two", "three"].map((body, index) => ({ Id: String(index), MessageBody: body })),
        }),
      );
      const handlerGate = gate();
      const started = gate();
      const handled: string[] = [];
      const poller = startSqsPoller({
        sqs,
        queueUrl,
        queueArn: "arn:aws:sqs:eu-west-1:000000000000:stop-test",
        region: "eu-west-1",
        functionName: "processor",
        timeoutMs: 5_000,
        batchSize: 1,
        maxBatchingWindowSeconds: 0,
        maximumConcurrency: 1,
        handler: async (event) => {
          started.open();
          await handlerGate.opened;
          handled.push(...event.Records.map((record) => record.body));
          return undefined;
        },
      });
      await started.opened;

      const stopped = poller.stop();
      handlerGate.open();
      await stopped;
      expect(handled).toHaveLength(1);
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      // The batch it held was deleted once done; the two it never received are still there, visible.
      expect(Attributes).toMatchObject({
        ApproximateNumberOfMessages: "2",
        ApproximateNumberOfMessagesNotVisible: "0",
      });
    } finally {
      sqs.destroy();
      await server.stop();
    }
  });
});
