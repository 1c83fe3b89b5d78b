/**
 * The metrics the dashboard and alarms read, as the functions emit them (CloudWatch EMF lines on
 * stdout) while the whole local pipeline runs: removing one fails here.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { metrics } from "../../infra/topology.ts";
import { captureMetrics, type MetricCapture } from "../support/metrics.ts";
import { rawForm, startTestPipeline, type TestPipeline } from "../support/pipeline.ts";

// Metrics on before the local stack imports the functions: Powertools reads the switch once.
vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = "false";
});

let pipeline: TestPipeline;
let captured: MetricCapture;
const formHeaders = { "content-type": "application/x-www-form-urlencoded" };
const { names } = metrics;

beforeAll(async () => {
  pipeline = await startTestPipeline({
    settings: { TOBETEXT_PREFIXES: "TOBE", TOBETEXT_NUMBERS: "" },
    queueOverrides: { visibilityTimeoutSeconds: 1, maxReceiveCount: 1 },
  });
});

afterAll(async () => {
  captured?.restore();
  await pipeline?.stop();
});

const sum = (name: string) => captured.values(name).reduce((total, { value }) => total + value, 0);

describe("processor metrics", () => {
  it("counts a stored SMS, an absorbed retry, stored callbacks, their lateness, a conflict and a failed record", async () => {
    captured = captureMetrics();
    const sms = rawForm([
      ["RecvNum", "821012341234"],
      ["SendNum", "010-7200-0001"],
      ["Body", "TOBE 측정"],
    ]);
    for (let attempt = 0; attempt < 2; attempt++) {
      expect((await pipeline.post(pipeline.stack.urls.inboundSms, sms, formHeaders)).status).toBe(200);
    }
    const callback = (status: string, errorCode: string) =>
      rawForm([
        ["MsgId", "41aa33709703dea382c10a0578299999"],
        ["Status", status],
        ["ErrorCode", errorCode],
      ]);
    for (const body of [callback("Success", "200"), callback("Failed", "400")]) {
      expect((await pipeline.post(pipeline.stack.urls.statusCallback, body, formHeaders)).status).toBe(200);
    }
    await pipeline.enqueue("inboundSms", ["not an envelope"]);

    await pipeline.eventually(
      async () => [sum(names.inboundStored), sum(names.callbacksStored), sum(names.recordsFailed)],
      ([stored, callbacks, failed]) => stored === 1 && callbacks === 2 && (failed ?? 0) >= 1,
    );
    await pipeline.stack.idle();

    // Accepted requests are counted where they are stored, not a second time where received.
    expect(captured.values("Accepted")).toEqual([]);
    expect(sum(names.inboundStored)).toBe(1);
    expect(sum(names.duplicatesAbsorbed)).toBe(1);
    expect(sum(names.callbacksStored)).toBe(2);
    expect(sum(names.conflictingResults)).toBe(1);
    const lateness = captured.values(names.callbackLateness);
    expect(lateness).toHaveLength(2);
    for (const { value } of lateness) expect(value).toBeGreaterThanOrEqual(0);
    expect(sum(names.recordsFailed)).toBeGreaterThanOrEqual(1);
    for (const name of Object.values(names)) {
      for (const { dimensions } of captured.values(name)) expect(dimensions.service).toBe("local");
    }
  });
});
