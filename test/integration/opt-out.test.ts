/**
 * Opt-out (수신거부) through the local stack: an inbound keyword SMS puts its sender on the suppression
 * list (with its evidence), the sender refuses sends to it unless marked transactional, an opt-in lifts
 * it, the confirmation reply goes out through the outbox, and retries, redeliveries and processing out of
 * order change nothing but what the latest request decides. `npm run records -- --suppressed` lists it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Suppression } from "../../functions/domain/opt-out.ts";
import type { SentMessage } from "../../functions/domain/sent-message.ts";
import { readEventsLog } from "../../infra/local/events-log.ts";
import { settingNames } from "../../infra/topology.ts";
import { inboundSmsEnvelope } from "../support/envelopes.ts";
import {
  listedArrivals,
  type SendsView,
  stackStateDirForTests,
  startSendingPipeline,
  type TestPipeline,
} from "../support/pipeline.ts";
import { killAll, runNode } from "./fixtures/processes.ts";

const account = "+8215881234";
const confirmation = "[투비] {date} 수신거부 처리되었습니다. 문의 1588-1234";
const formHeaders = { "content-type": "application/x-www-form-urlencoded" };

let pipeline: TestPipeline;
let sends: SendsView;
let sequence = 0;

beforeAll(async () => {
  ({ pipeline, sends } = await startSendingPipeline(
    {
      [settingNames.receivingNumbers]: account,
      [settingNames.prefixes]: "TEST",
      [settingNames.optOutConfirmation]: confirmation,
    },
    1,
  ));
}, 60_000);

afterAll(async () => {
  await pipeline?.stop();
});

const stateDir = stackStateDirForTests(() => pipeline.stack, "tobetext-opt-out-");

afterEach(killAll);

/** A person's number, a new one per test: `010-7xxx-xxxx` as sent, and its E.164 form. */
function nextPerson() {
  const digits = String(70_000_000 + ++sequence * 7919).padStart(8, "0");
  return { asSent: `010-${digits.slice(0, 4)}-${digits.slice(4)}`, e164: `+8210${digits}` };
}

const sms = (from: string, body: string) =>
  pipeline.post(
    pipeline.stack.urls.inboundSms,
    `RecvNum=${encodeURIComponent("1588-1234")}&SendNum=${encodeURIComponent(from)}&Body=${encodeURIComponent(body)}`,
    formHeaders,
  );

async function suppressionOf(number: string): Promise<(Suppression & { revision?: number }) | undefined> {
  const items = await pipeline.scan("suppressions");
  return items.find((item) => item.number === number) as (Suppression & { revision?: number }) | undefined;
}

const eventuallySuppression = (number: string, done: (item: Suppression) => boolean) =>
  pipeline.eventually(
    () => suppressionOf(number),
    (item) => item !== undefined && done(item),
  ) as Promise<Suppression & { revision?: number }>;

async function inboundFrom(number: string) {
  return (await pipeline.scan("inboundMessages")).filter((item) => item.sender === number);
}

async function send(request: Record<string, unknown>): Promise<SentMessage> {
  await pipeline.enqueue("outbox", [JSON.stringify(request)]);
  return sends.eventually(String(request.ckey));
}

describe("an opt-out SMS", () => {
  it("suppresses its sender with the evidence; a send to it is refused naming `to`, and ToBeText sees nothing", async () => {
    const person = nextPerson();
    expect((await sms(person.asSent, "TEST 수신 거부")).status).toBe(200);
    const suppression = await eventuallySuppression(person.e164, (item) => item.suppressed);
    const [record] = await inboundFrom(person.e164);
    expect(suppression).toMatchObject({
      number: person.e164,
      suppressed: true,
      since: record?.firstArrivalAt,
      suppressedList: "yes",
      evidence: {
        kind: "opt-out",
        messageId: record?.messageId,
        at: record?.firstArrivalAt,
        text: "수신 거부",
        recipient: account,
        changed: true,
      },
    });

    const ckey = `advert-${sequence}-${Date.now()}`;
    const refused = await send({ to: person.asSent, text: "(광고) 겨울 세일", ckey });
    expect(refused).toMatchObject({ status: "refused", sendOutcome: "refused", refusedBy: "sender" });
    expect(refused.reason).toBe(
      `to opted out (수신거부) on ${suppression.since}; mark the request transactional to send anyway`,
    );
    expect(refused.awaiting).toBeUndefined();
    await pipeline.stack.idle();
    expect(sends.requestsFor(ckey)).toEqual([]);
    // Announced like any refusal before ToBeText (README "Events").
    const announced = await pipeline.eventually(
      async () =>
        ((await readEventsLog(pipeline.stack.eventsLog)) as { id: string }[]).filter(
          (event) => event.id === `sent:${ckey}:refused`,
        ),
      (found) => found.length > 0,
    );
    expect(announced).toEqual([
      expect.objectContaining({
        type: "sent.status-changed",
        data: expect.objectContaining({ ckey, status: "refused" }),
      }),
    ]);
  });

  it("is confirmed by a transactional reply from the number it came to, with the request's date", async () => {
    const person = nextPerson();
    await sms(person.asSent, "STOP");
    const suppression = await eventuallySuppression(person.e164, (item) => item.suppressed);
    const ckey = `opt-out-${suppression.evidence.messageId}`;
    const reply = await sends.eventually(ckey);
    expect(reply).toMatchObject({
      recipient: person.e164,
      from: account,
      transactional: true,
      sendOutcome: "accepted",
    });
    const kstDate = new Date(Date.parse(suppression.since) + 9 * 3600_000).toISOString().slice(0, 10);
    expect(sends.requestsFor(ckey).map((request) => request.fields)).toEqual([
      expect.objectContaining({
        RecvNum: person.e164,
        SendNum: "015881234",
        Body: `[투비] ${kstDate} 수신거부 처리되었습니다. 문의 1588-1234`,
      }),
    ]);
  });

  it("does not hold back a send marked transactional", async () => {
    const person = nextPerson();
    await sms(person.asSent, "거부");
    await eventuallySuppression(person.e164, (item) => item.suppressed);
    const ckey = `order-${sequence}-${Date.now()}`;
    const sent = await send({ to: person.asSent, text: "주문하신 상품이 발송되었습니다", ckey, transactional: true });
    expect(sent).toMatchObject({ sendOutcome: "accepted", transactional: true });
    expect(sends.requestsFor(ckey)).toHaveLength(1);
  });

  it("is changed by nothing its retries and SQS redeliveries repeat", async () => {
    const person = nextPerson();
    const first = await sms(person.asSent, "TEST 해지");
    const before = await eventuallySuppression(person.e164, (item) => item.suppressed);
    // Let the confirmation settle, so that what follows is all that happens.
    await sends.eventually(`opt-out-${before.evidence.messageId}`);
    const [record] = await inboundFrom(person.e164);

    // ToBeText's retry (the same SMS again inside the window) and the queue's own redeliveries of the first.
    const retry = await sms(person.asSent, "TEST 해지");
    expect(retry.status).toBe(200);
    const envelope = JSON.stringify(
      inboundSmsEnvelope({
        arrivalId: String(first.result?.MsgId),
        receivedAt: String(record?.firstArrivalAt),
        sender: person.asSent,
        recipient: "1588-1234",
        prefix: "TEST",
        text: "해지",
        fields: record?.fields as Record<string, string>,
      }),
    );
    await pipeline.enqueue("inboundSms", [envelope, envelope]);
    await pipeline.eventually(
      () => inboundFrom(person.e164),
      (items) => items[0]?.deliveryCount === 2,
    );
    await pipeline.eventually(
      () => pipeline.queueDepth(),
      (depth) => depth === 0,
    );
    await pipeline.stack.idle();
    await pipeline.eventually(
      () => pipeline.queueDepth("outbox"),
      (depth) => depth === 0,
    );
    await pipeline.stack.idle();

    expect(await suppressionOf(person.e164)).toEqual(before);
    // The reply went once: the redeliveries queued it again under the same CKey, which the sender holds.
    expect(sends.requestsFor(`opt-out-${before.evidence.messageId}`)).toHaveLength(1);
    expect(await inboundFrom(person.e164)).toHaveLength(1);
    // Two arrivals, the SMS and ToBeText's retry: the queue's redeliveries of the first are neither.
    const [after] = await inboundFrom(person.e164);
    expect(after?.deliveryCount).toBe(2);
    expect(listedArrivals(after)).toHaveLength(2);
    // Sorted by when they arrived: the SMS, then its retry.
    expect(listedArrivals(after)).toEqual([
      `${record?.firstArrivalAt} ${first.result?.MsgId}`,
      expect.stringMatching(new RegExp(` ${retry.result?.MsgId}$`)),
    ]);
  });
});

describe("an opt-in SMS", () => {
  it("lifts the suppression, keeps both requests as evidence, and a send then goes", async () => {
    const person = nextPerson();
    await sms(person.asSent, "수신거부");
    await eventuallySuppression(person.e164, (item) => item.suppressed);
    await sms(person.asSent, "TEST 수신동의");
    const lifted = await eventuallySuppression(person.e164, (item) => !item.suppressed);
    expect(lifted.suppressedList).toBeUndefined();
    expect(lifted.evidence).toMatchObject({ kind: "opt-in", text: "수신동의", changed: true });
    expect(lifted.history.map((entry) => entry.kind)).toEqual(["opt-in", "opt-out"]);

    const ckey = `advert-again-${sequence}-${Date.now()}`;
    const sent = await send({ to: person.e164, text: "(광고) 봄 세일", ckey });
    expect(sent.sendOutcome).toBe("accepted");
    expect(sends.requestsFor(ckey)).toHaveLength(1);
  });

  it("processed before an earlier opt-out still decides: the latest SMS by first arrival wins", async () => {
    const person = nextPerson();
    const optOutAt = new Date(Date.now() - 120_000).toISOString();
    const optInAt = new Date(Date.now() - 60_000).toISOString();
    const envelope = (text: string, receivedAt: string, arrivalId: string) =>
      JSON.stringify(
        inboundSmsEnvelope({
          arrivalId,
          receivedAt,
          sender: person.asSent,
          recipient: "1588-1234",
          prefix: "TEST",
          text,
        }),
      );
    await pipeline.enqueue("inboundSms", [envelope("수신동의", optInAt, `in-${sequence}-${Date.now()}`)]);
    await eventuallySuppression(person.e164, (item) => item.evidence.kind === "opt-in");
    await pipeline.enqueue("inboundSms", [envelope("수신거부", optOutAt, `out-${sequence}-${Date.now()}`)]);
    const final = await eventuallySuppression(person.e164, (item) => item.history.length === 2);
    expect(final).toMatchObject({ suppressed: false, since: optInAt, evidence: { kind: "opt-in" } });
    expect(final.suppressedList).toBeUndefined();
  });
});

describe("many requests of one number at once", () => {
  it("the latest SMS by first arrival decides, whatever the order processed; repeats inside the window are one SMS", async () => {
    const person = nextPerson();
    const base = Date.now() - 3_600_000;
    // Alternating texts a minute apart: each text's five arrivals are one SMS (one dedupe window), first
    // arrived at :00 (수신동의) and :01 (수신거부). Queued latest first, processed concurrently.
    const requests = Array.from({ length: 10 }, (_, index) => ({
      text: index % 2 === 0 ? "수신동의" : "수신거부",
      receivedAt: new Date(base + index * 60_000).toISOString(),
      arrivalId: `many-${sequence}-${index}-${Date.now()}`,
    }));
    const queued = [...requests]
      .reverse()
      .map((request) =>
        JSON.stringify(
          inboundSmsEnvelope({ ...request, sender: person.asSent, recipient: "1588-1234", prefix: "TEST" }),
        ),
      );
    await pipeline.enqueue("inboundSms", queued);
    const [optIn, optOut] = [requests[0]?.receivedAt, requests[1]?.receivedAt];
    const decided = (item: Suppression) =>
      item.history.map((entry) => entry.at).join() === [optOut, optIn].join() && item.since === optOut;
    await eventuallySuppression(person.e164, decided);
    await pipeline.eventually(
      () => pipeline.queueDepth(),
      (depth) => depth === 0,
    );
    await pipeline.stack.idle();
    const final = await suppressionOf(person.e164);
    expect(final).toMatchObject({
      suppressed: true,
      since: optOut,
      evidence: { kind: "opt-out" },
      suppressedList: "yes",
    });
    expect(final?.history.map((entry) => entry.kind)).toEqual(["opt-out", "opt-in"]);
    const records = await inboundFrom(person.e164);
    expect(records.map((record) => record.deliveryCount)).toEqual([5, 5]);
  });
});

describe("npm run records -- --suppressed", () => {
  it("lists the suppressed numbers (a Query of the sparse index), and no number that opted back in", async () => {
    const out = nextPerson();
    const back = nextPerson();
    await sms(out.asSent, "무료수신거부");
    await sms(back.asSent, "STOP");
    await eventuallySuppression(back.e164, (item) => item.suppressed);
    await sms(back.asSent, "START");
    await eventuallySuppression(out.e164, (item) => item.suppressed);
    await eventuallySuppression(back.e164, (item) => !item.suppressed);

    const run = runNode(["infra/tools/records.ts", "--suppressed", "--json"], { TOBETEXT_LOCAL_DIR: stateDir() });
    expect(await run.exited, run.errors.join("\n")).toBe(0);
    const listed = run.output.map((line) => JSON.parse(line) as Suppression);
    const numbers = listed.map((item) => item.number);
    expect(numbers).toContain(out.e164);
    expect(numbers).not.toContain(back.e164);
    expect(listed.every((item) => item.suppressed)).toBe(true);
    // Newest first, by since.
    const since = listed.map((item) => item.since);
    expect(since).toEqual([...since].sort().reverse());
    expect(listed.find((item) => item.number === out.e164)?.evidence.text).toBe("무료수신거부");

    const one = runNode(["infra/tools/records.ts", "--suppression", back.asSent, "--json"], {
      TOBETEXT_LOCAL_DIR: stateDir(),
    });
    expect(await one.exited).toBe(0);
    expect(one.output.map((line) => JSON.parse(line).suppressed)).toEqual([false]);
  });

  it("npm run send exits 1 for a suppressed number, and 0 with --transactional", async () => {
    const person = nextPerson();
    await sms(person.asSent, "수신거부");
    await eventuallySuppression(person.e164, (item) => item.suppressed);
    const refused = runNode(["infra/tools/send.ts", "--to", person.asSent, "--text", "(광고) 안내"], {
      TOBETEXT_LOCAL_DIR: stateDir(),
    });
    expect(await refused.exited).toBe(1);
    expect(refused.errors.join("\n")).toMatch(
      /refused: to opted out \(수신거부\) on .*; mark the request transactional/,
    );
    const sent = runNode(["infra/tools/send.ts", "--to", person.asSent, "--text", "배송 안내", "--transactional"], {
      TOBETEXT_LOCAL_DIR: stateDir(),
    });
    expect(await sent.exited, sent.errors.join("\n")).toBe(0);
  });
});
