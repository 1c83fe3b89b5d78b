import { describe, expect, it } from "vitest";
import type { SentMessage } from "../../functions/domain/sent-message.ts";
import { type SendPorts, sendMessage } from "../../functions/use-cases/send-message.ts";

const suppressedSince = "2026-12-04T10:01:00.000Z";
const settings = { numbers: { allowed: ["+8215881234"] }, resultTimeoutMs: 3_600_000 };

/** Ports that keep records in memory, count suppression reads and collect what would go to ToBeText. */
function fakes(suppressed: Record<string, boolean>) {
  const records = new Map<string, SentMessage>();
  const posted: Record<string, string>[] = [];
  const reads: string[] = [];
  const ports: SendPorts = {
    async reserve(record) {
      const existing = records.get(record.ckey);
      if (existing) return existing;
      records.set(record.ckey, record);
      return undefined;
    },
    async recordOutcome(ckey, _attempt, outcome) {
      const record = records.get(ckey);
      if (!record) return undefined;
      const written = { ...record, sendOutcome: outcome.sendOutcome, status: outcome.sendOutcome };
      records.set(ckey, written);
      return written;
    },
    release: async () => {},
    async post(fields) {
      posted.push(fields);
      const body = `<ToBeTextResult><Status>Success</Status><MsgId>${"f".repeat(32)}</MsgId><ErrorCode>200</ErrorCode></ToBeTextResult>`;
      return {
        kind: "answered",
        answer: { httpStatus: 200, body, result: { status: "Success", msgId: "f".repeat(32), errorCode: "200" } },
      };
    },
    credentials: async () => ({ cid: "c", token: "t" }),
    callbackUrl: async () => "https://example/status-callback/secret",
    findReportByMsgId: async () => undefined,
    async findSuppression(number) {
      reads.push(number);
      const state = suppressed[number];
      return state === undefined ? undefined : { suppressed: state, since: suppressedSince };
    },
    findSent: async (ckey) => records.get(ckey),
    applyReport: async () => ({ applied: false }) as never,
    markReportJoined: async () => {},
    events: { publish: async () => {} },
  };
  return { ports, records, posted, reads };
}

const request = (body: object, requestId = "sqs-1") => ({ body: JSON.stringify(body), requestId });

describe("a send to a number that opted out", () => {
  it("is refused before ToBeText, naming `to` and the date, after one read of the number", async () => {
    const { ports, posted, reads } = fakes({ "+821012345678": true });
    const result = await sendMessage(
      request({ to: "010-1234-5678", text: "(광고) 세일", ckey: "ad-1" }),
      ports,
      settings,
    );
    expect(result.kind).toBe("refused-here");
    if (result.kind !== "refused-here") return;
    expect(result.record).toMatchObject({
      ckey: "ad-1",
      status: "refused",
      refusedBy: "sender",
      recipient: "+821012345678",
      reason: `to opted out (수신거부) on ${suppressedSince}; mark the request transactional to send anyway`,
    });
    expect(reads).toEqual(["+821012345678"]);
    expect(posted).toEqual([]);
  });

  it("goes when marked transactional, without reading the list", async () => {
    const { ports, posted, reads, records } = fakes({ "+821012345678": true });
    const result = await sendMessage(
      request({ to: "010-1234-5678", text: "배송 안내", ckey: "order-1", transactional: true }),
      ports,
      settings,
    );
    expect(result).toMatchObject({ kind: "sent", outcome: { sendOutcome: "accepted" } });
    expect(reads).toEqual([]);
    expect(posted).toHaveLength(1);
    expect(records.get("order-1")?.transactional).toBe(true);
  });

  it("goes after an opt-in (suppressed false), and for a number never on the list, one read each", async () => {
    const { ports, posted, reads } = fakes({ "+821012345678": false });
    await sendMessage(request({ to: "010-1234-5678", text: "hi", ckey: "a" }), ports, settings);
    await sendMessage(request({ to: "010-9999-0000", text: "hi", ckey: "b" }), ports, settings);
    expect(posted.map((fields) => fields.Ckey)).toEqual(["a", "b"]);
    expect(reads).toEqual(["+821012345678", "+821099990000"]);
  });
});
