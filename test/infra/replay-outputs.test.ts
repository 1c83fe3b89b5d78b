/**
 * What `npm run replay -- --outputs` reads from a deployed stack: the inbound queue's URL, and the settings
 * acceptance ran with, the very values the same synth gives the functions (nothing else of the settings).
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { outputKeys } from "../../infra/outputs.ts";
import type { ReceiverStack } from "../../infra/stack.ts";
import { deployedReplayTarget, ReplayInputError } from "../../infra/tools/replay.ts";
import { settingNames } from "../../infra/topology.ts";
import { synthOncePerFile } from "./synth.ts";

let stack: ReceiverStack;
let template: Template;

synthOncePerFile(
  {
    stage: "replay",
    [settingNames.receivingNumbers]: "010-1234-1234,010-9999-8888",
    [settingNames.prefixes]: "TEST,SHOP",
    [settingNames.allowedSources]: "203.0.113.0/24",
  },
  (synthesized) => {
    ({ stack, template } = synthesized);
  },
);

describe("the outputs npm run replay reads", () => {
  it("AcceptanceSettings: the numbers and prefixes the functions get, and no other setting", () => {
    const output = template.findOutputs(outputKeys.acceptanceSettings)[outputKeys.acceptanceSettings];
    expect(JSON.parse(String(output?.Value))).toEqual({
      [settingNames.receivingNumbers]: stack.settings[settingNames.receivingNumbers],
      [settingNames.prefixes]: stack.settings[settingNames.prefixes],
    });
    expect(stack.settings[settingNames.receivingNumbers]).toBe("010-1234-1234,010-9999-8888");
    const receiver = stack.routes.inboundSms.receiver.node.defaultChild;
    const environment = (template.toJSON().Resources as Record<string, { Properties: Record<string, unknown> }>)[
      stack.getLogicalId(receiver as never)
    ]?.Properties.Environment as { Variables: Record<string, string> };
    expect(environment.Variables[settingNames.receivingNumbers]).toBe("010-1234-1234,010-9999-8888");
    expect(environment.Variables[settingNames.prefixes]).toBe("TEST,SHOP");
  });

  it("each route's queue URL", () => {
    for (const queueId of ["inboundSms", "statusCallbacks"] as const) {
      const output = template.findOutputs(outputKeys.queueUrl(queueId))[outputKeys.queueUrl(queueId)];
      expect(JSON.stringify(stack.resolve(output?.Value)), queueId).toBe(
        JSON.stringify(stack.resolve(stack.queues[queueId].queue.queueUrl)),
      );
    }
  });

  it("a stack deployed before them is named in one line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tobetext-replay-outputs-"));
    try {
      const file = join(dir, "cdk-outputs.json");
      await writeFile(
        file,
        JSON.stringify({ "ToBeTextReceiver-dev": { [outputKeys.tableName("rejectedRequests")]: "rejections" } }),
      );
      await expect(deployedReplayTarget(file)).rejects.toThrow(ReplayInputError);
      await expect(deployedReplayTarget(file)).rejects.toThrow(/missing output InboundSmsQueueUrl/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
