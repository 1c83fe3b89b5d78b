import { describe, expect, it } from "vitest";
import type { AutoReplySettings } from "../../functions/domain/auto-reply.ts";
import { inboundReceived, sentStatusChanged } from "../../functions/domain/event-documents.ts";
import { type DomainEvent, eventAttributes } from "../../functions/domain/events.ts";
import type { SentMessage } from "../../functions/domain/sent-message.ts";
import { type FollowUpPorts, followNewSms, type ReplyClaim } from "../../functions/use-cases/follow-new-sms.ts";
import { inboundSms } from "../support/envelopes.ts";

const sent: SentMessage = {
  ckey: "order-1",
  requestedAt: "2026-12-04T10:00:00.000Z",
  requestId: "sqs-1",
  attempt: "a-1",
  to: "010-1234-5678",
  recipient: "+821012345678",
  sendOutcome: "accepted",
  status: "accepted",
  errorCode: "200",
  answeredAt: "2026-12-04T10:00:01.000Z",
  msgId: "4b90b7a91a7bb905b3413f17e58791bb",
};

describe("inbound.received documents", () => {
  it("are named after the message, at the opening arrival's time, without the fields as received", () => {
    const sms = inboundSms({ sender: "010-1234-5678", recipient: "02-1234-5678", prefix: "TEST", text: "안녕" });
    expect(inboundReceived("m1", { receivedAt: "2026-12-04T10:00:00.000Z", sms })).toEqual({
      schema: "tobetext.events/v1",
      type: "inbound.received",
      id: "inbound:m1",
      occurredAt: "2026-12-04T10:00:00.000Z",
      data: {
        messageId: "m1",
        sender: "+821012345678",
        recipient: "+82212345678",
        prefix: "TEST",
        text: "안녕",
        flags: [],
      },
    });
  });
});

describe("sent.status-changed documents", () => {
  it("name the CKey and the status in the id, and carry the send's answer", () => {
    expect(sentStatusChanged(sent)).toEqual({
      schema: "tobetext.events/v1",
      type: "sent.status-changed",
      id: "sent:order-1:accepted",
      occurredAt: "2026-12-04T10:00:01.000Z",
      data: { ckey: "order-1", status: "accepted", msgId: sent.msgId, recipient: "+821012345678", code: "200" },
    });
  });

  it("carry a final result's code and meaning, at the result's time", () => {
    const delivered = sentStatusChanged({
      ...sent,
      status: "delivered",
      result: "delivered",
      resultCode: "200",
      resultMeaning: "Success: delivered",
      resultAt: "2026-12-04T10:03:00.000Z",
    });
    expect(delivered).toMatchObject({
      id: "sent:order-1:delivered",
      occurredAt: "2026-12-04T10:03:00.000Z",
      data: { status: "delivered", code: "200", reason: "Success: delivered" },
    });
    const expired = sentStatusChanged({
      ...sent,
      status: "expired",
      result: "expired",
      resultAt: "2026-12-07T10:00:00Z",
    });
    expect(expired?.data).toEqual({
      ckey: "order-1",
      status: "expired",
      msgId: sent.msgId,
      recipient: "+821012345678",
      reason: "no final result from ToBeText in time",
    });
  });

  it("are none for a reservation (`sending`): nothing has happened yet", () => {
    expect(sentStatusChanged({ ...sent, sendOutcome: "sending", status: "sending" })).toBeUndefined();
  });
});

describe("followNewSms", () => {
  const settings: AutoReplySettings = { replies: new Map([["PIZZA", "주문이 접수되었습니다"]]), ownNumbers: [] };
  const arrival = (sender: string, text: string, receivedAt = "2026-12-04T10:00:00.000Z") => ({
    receivedAt,
    sms: inboundSms({ sender, recipient: "02-1234-5678", prefix: "PIZZA", text }),
  });

  /** The ports over memory, the claim with the adapter's condition. */
  function memory() {
    const published: DomainEvent[] = [];
    const queued: unknown[] = [];
    const claims = new Map<string, { messageId: string; at: number }>();
    const ports: FollowUpPorts = {
      events: { publish: async (event) => void published.push(event) },
      claimReply: async ({ sender, prefix, messageId, at, periodMs }: ReplyClaim) => {
        const key = `${sender}#${prefix}`;
        const held = claims.get(key);
        if (held && held.messageId !== messageId && held.at > at.getTime() - periodMs) return false;
        claims.set(key, { messageId, at: at.getTime() });
        return true;
      },
      queueSend: async (request) => void queued.push(request),
    };
    return { ports, published, queued };
  }

  it("publishes inbound.received with the prefix and receiving number as filter attributes, and queues the reply", async () => {
    const { ports, published, queued } = memory();
    expect(await followNewSms("m1", arrival("010-1234-5678", "하나"), ports, settings)).toEqual({ reply: "queued" });
    expect(published.map((event) => [event.id, eventAttributes(event)])).toEqual([
      ["inbound:m1", { type: "inbound.received", prefix: "PIZZA", recipient: "+82212345678" }],
    ]);
    expect(queued).toEqual([
      { to: "+821012345678", text: "주문이 접수되었습니다", from: "+82212345678", ckey: "reply-m1" },
    ]);
  });

  it("run again for the same message (a redelivery), does it all again: the same event id and the same CKey", async () => {
    const { ports, published, queued } = memory();
    await followNewSms("m1", arrival("010-1234-5678", "하나"), ports, settings);
    expect(await followNewSms("m1", arrival("010-1234-5678", "하나"), ports, settings)).toEqual({ reply: "queued" });
    expect(new Set(published.map((event) => event.id))).toEqual(new Set(["inbound:m1"]));
    expect(new Set(queued.map((request) => (request as { ckey: string }).ckey))).toEqual(new Set(["reply-m1"]));
  });

  it("bounds replies per sender and prefix by the hour of arrival", async () => {
    const { ports, queued } = memory();
    await followNewSms("m1", arrival("010-1234-5678", "하나"), ports, settings);
    const soon = await followNewSms("m2", arrival("010-1234-5678", "둘", "2026-12-04T10:59:59.000Z"), ports, settings);
    const later = await followNewSms("m3", arrival("010-1234-5678", "셋", "2026-12-04T11:00:00.000Z"), ports, settings);
    expect([soon.reply, later.reply]).toEqual(["bounded", "queued"]);
    expect(queued).toHaveLength(2);
  });

  it("skips a landline, saying why, and publishes all the same", async () => {
    const { ports, published, queued } = memory();
    expect(await followNewSms("m1", arrival("031-555-1234", "하나"), ports, settings)).toEqual({
      reply: "not-a-mobile",
    });
    expect(published).toHaveLength(1);
    expect(queued).toEqual([]);
  });
});
