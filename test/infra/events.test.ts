/**
 * The events topic on AWS (README "Events"): encrypted, HTTPS only, its ARN an output, and exactly the
 * functions that publish allowed `sns:Publish` on it; the inbound processor's auto-replies go to the
 * outbox, its only queue to send to. Written out, not derived from the topology: what a reviewer agreed.
 */

import { Match, type Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { eventsTopicSetting, queueUrlSettings } from "../../functions/contract.ts";
import type { ReceiverFunction } from "../../infra/constructs/receiver-function.ts";
import type { ReceiverStack } from "../../infra/stack.ts";
import {
  asList,
  type Statement,
  roleStatements as statementsOfRole,
  synthOncePerFile,
  synthWithoutBundling,
} from "./synth.ts";

let stack: ReceiverStack;
let template: Template;

synthOncePerFile({ stage: "events" }, (synthesized) => {
  ({ stack, template } = synthesized);
});

const resources = () =>
  template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
const topicArn = () => stack.resolve(stack.topics.events.topic.topicArn);

const roleStatements = (fn: ReceiverFunction) => statementsOfRole({ stack, template }, fn);

const functions = () => ({
  ...Object.fromEntries(Object.entries(stack.routes).map(([id, route]) => [`route ${id}`, route.receiver])),
  ...Object.fromEntries(Object.entries(stack.consumers).map(([id, consumer]) => [id, consumer.processor])),
  ...Object.fromEntries(Object.entries(stack.schedules).map(([id, schedule]) => [id, schedule.task])),
});
const variablesOf = (fn: ReceiverFunction) => {
  const id = stack.getLogicalId(fn.node.defaultChild as never);
  const environment = resources()[id]?.Properties.Environment as { Variables: Record<string, unknown> } | undefined;
  return environment?.Variables ?? {};
};

describe("events topic", () => {
  it("is encrypted with the AWS managed SNS key", () => {
    template.hasResourceProperties("AWS::SNS::Topic", {
      KmsMasterKeyId: {
        "Fn::Join": ["", Match.arrayWith([Match.stringLikeRegexp(":alias/aws/sns$")])],
      },
    });
  });

  it("refuses every request without TLS, and allows no one anything by its policy", () => {
    const policies = Object.values(resources()).filter(
      (resource) =>
        resource.Type === "AWS::SNS::TopicPolicy" &&
        JSON.stringify(resource.Properties.Topics) === JSON.stringify([topicArn()]),
    );
    expect(policies).toHaveLength(1);
    const document = policies[0]?.Properties.PolicyDocument as { Statement: Statement[] } | undefined;
    const statements = document?.Statement ?? [];
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.every((statement) => statement.Effect === "Deny")).toBe(true);
    for (const statement of statements) {
      expect(statement.Condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
      expect(["*", { AWS: "*" }]).toContainEqual(statement.Principal);
    }
    expect(new Set(statements.flatMap((statement) => asList(statement.Action)))).toEqual(
      new Set([
        "sns:Publish",
        "sns:Subscribe",
        "sns:Receive",
        "sns:GetTopicAttributes",
        "sns:SetTopicAttributes",
        "sns:ListSubscriptionsByTopic",
        "sns:AddPermission",
        "sns:RemovePermission",
        "sns:DeleteTopic",
      ]),
    );
  });

  it("gives its ARN as the output EventsTopicArn", () => {
    template.hasOutput("EventsTopicArn", { Value: topicArn() });
  });
});

describe("who publishes", () => {
  const publishers = ["inboundProcessor", "statusProcessor", "sender", "resultSweep"];

  it("the inbound processor, the status processor, the sender and the sweep: sns:Publish on the topic alone", () => {
    for (const [id, fn] of Object.entries(functions())) {
      const sns = roleStatements(fn).filter((statement) =>
        asList(statement.Action).some((action) => action.startsWith("sns:")),
      );
      if (!publishers.includes(id)) {
        expect(sns, id).toEqual([]);
        continue;
      }
      expect(
        sns.map((statement) => ({ effect: statement.Effect, actions: statement.Action, resource: statement.Resource })),
        id,
      ).toEqual([{ effect: "Allow", actions: "sns:Publish", resource: topicArn() }]);
      // The AWS managed key's own policy lets the account's principals use it through SNS: no KMS grant.
      expect(JSON.stringify(roleStatements(fn)), id).not.toContain("kms:");
    }
  });

  it("only publishers know the topic's ARN; only the inbound processor the outbox's URL besides the sender's source", () => {
    for (const [id, fn] of Object.entries(functions())) {
      const variables = variablesOf(fn);
      if (publishers.includes(id)) expect(variables[eventsTopicSetting], id).toEqual(topicArn());
      else expect(variables[eventsTopicSetting], id).toBeUndefined();
      if (id === "inboundProcessor") {
        expect(variables[queueUrlSettings.outbox], id).toEqual(stack.resolve(stack.queues.outbox.queue.queueUrl));
      } else {
        expect(variables[queueUrlSettings.outbox], id).toBeUndefined();
      }
    }
  });

  it("the inbound processor sends to the outbox alone: sqs:SendMessage, nothing else on it", () => {
    const sends = roleStatements(stack.consumers.inboundProcessor.processor).filter((statement) =>
      asList(statement.Action).includes("sqs:SendMessage"),
    );
    expect(sends.map((statement) => [statement.Action, statement.Resource])).toEqual([
      ["sqs:SendMessage", stack.resolve(stack.queues.outbox.queue.queueArn)],
    ]);
  });
});

describe("TOBETEXT_AUTO_REPLIES at synth", () => {
  const synth = (extra: Record<string, unknown>) => {
    const made = synthWithoutBundling({ stage: "replies", TOBETEXT_PREFIXES: "PIZZA", ...extra });
    try {
      const found = made.template.findResources("AWS::Lambda::Function");
      return Object.values(found).map(
        (resource) =>
          (resource as { Properties: { Environment: { Variables: Record<string, string> } } }).Properties.Environment
            .Variables.TOBETEXT_AUTO_REPLIES,
      );
    } finally {
      made.remove();
    }
  };

  it("reaches the functions as JSON text, given as text (-c) or as an object (cdk.json)", () => {
    const replies = { PIZZA: "주문이 접수되었습니다" };
    for (const given of [JSON.stringify(replies), replies]) {
      const values = synth({ TOBETEXT_AUTO_REPLIES: given });
      expect(values.length).toBeGreaterThan(0);
      for (const value of values) expect(JSON.parse(value ?? "")).toEqual(replies);
    }
  });

  it("fails the synth for a prefix that is not configured, naming it", () => {
    expect(() => synth({ TOBETEXT_AUTO_REPLIES: { BURGER: "ok" } })).toThrow(
      /"BURGER" is not one of TOBETEXT_PREFIXES/,
    );
  });
});
