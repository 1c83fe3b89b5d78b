import { describe, expect, it } from "vitest";
import { readUserSettings } from "../../functions/config/user-settings.ts";
import { settingDefaults, settingNames } from "../../functions/contract.ts";
import type { DomainEvent } from "../../functions/domain/events.ts";
import {
  applyOptRequest,
  confirmationText,
  historyLimit,
  keywordForm,
  type OptKeywords,
  type OptKind,
  type OptRequest,
  optKeywords,
  optRequestOf,
  type Suppression,
  suppressedReason,
} from "../../functions/domain/opt-out.ts";
import type { SendRequest } from "../../functions/domain/sent-message.ts";
import {
  type OptRequestPorts,
  recordOptRequest,
  type StoredInbound,
} from "../../functions/use-cases/record-opt-request.ts";
import { shuffled } from "../support/shuffled.ts";

const defaults = readUserSettings({}).optKeywords;

describe("opt keywords", () => {
  it.each([
    ["수신거부", "opt-out"],
    ["수신 거부", "opt-out"],
    ["  수신거부  ", "opt-out"],
    ["수신거부.", "opt-out"],
    ["수신거부!!", "opt-out"],
    ["거부", "opt-out"],
    ["해지", "opt-out"],
    ["080-수신거부", "opt-out"],
    ["무료 수신 거부", "opt-out"],
    ["STOP", "opt-out"],
    ["stop", "opt-out"],
    ["Stop.", "opt-out"],
    ["ＳＴＯＰ", "opt-out"],
    ["s t o p", "opt-out"],
    ["Unsubscribe", "opt-out"],
    ["수신동의", "opt-in"],
    ["수신 동의", "opt-in"],
    ["광고 수신 동의", "opt-in"],
    ["start", "opt-in"],
  ] as const)("%j is an %s request", (text, kind) => {
    expect(optRequestOf(text, defaults)).toBe(kind);
  });

  it.each([
    "거부 안 해요",
    "수신거부 하지 마세요",
    "STOP IT NOW",
    "동의",
    "네",
    "취소",
    "수신거부ㅠ",
    "",
    "TEST 수신거부",
  ])("%j is no request: only the whole text counts, and a bare 동의 is not an opt-in", (text) => {
    expect(optRequestOf(text, defaults)).toBeUndefined();
  });

  it("compares whole texts without case, spaces, punctuation or symbols, in NFKC form", () => {
    expect(keywordForm(" Stop! 🙏 ")).toBe("STOP");
    expect(keywordForm("수신-거부~")).toBe("수신거부");
    expect(keywordForm("거부 안 해요")).toBe("거부안해요");
  });

  it("refuses a keyword in both lists, or one with no letters or digits", () => {
    expect(optKeywords(["STOP", "수신 거부"], ["수신거부"])).toEqual({
      problem: "수신거부 cannot be both an opt-out and an opt-in keyword",
    });
    expect(optKeywords(["STOP", "!!"], [])).toEqual({ problem: '"!!" has no letters or digits' });
  });

  it("reads the settings, refusing what a function would refuse at cold start (and so the synth)", () => {
    const custom = readUserSettings({
      [settingNames.optOutKeywords]: "그만, 수신거부",
      [settingNames.optInKeywords]: "다시받기",
    }).optKeywords;
    expect(optRequestOf("그만", custom)).toBe("opt-out");
    expect(optRequestOf("STOP", custom)).toBeUndefined();
    expect(optRequestOf("다시 받기", custom)).toBe("opt-in");
    expect(() => readUserSettings({ [settingNames.optInKeywords]: "수신동의,stop" })).toThrow(
      /TOBETEXT_OPT_OUT_KEYWORDS and TOBETEXT_OPT_IN_KEYWORDS: STOP cannot be both/,
    );
    expect(() => readUserSettings({ [settingNames.optOutKeywords]: " , " })).toThrow(/names no keyword/);
    expect(() => readUserSettings({ [settingNames.optOutConfirmation]: "가".repeat(81) })).toThrow(
      /TOBETEXT_OPT_OUT_CONFIRMATION: the text has 81 characters/,
    );
    // {date} counts as the ten characters it becomes.
    expect(() => readUserSettings({ [settingNames.optOutConfirmation]: `${"가".repeat(71)}{date}` })).toThrow(
      /81 characters/,
    );
    expect(
      readUserSettings({ [settingNames.optOutConfirmation]: "[투비] {date} 수신거부 처리되었습니다." }),
    ).toMatchObject({
      optOutConfirmation: "[투비] {date} 수신거부 처리되었습니다.",
      optInConfirmation: undefined,
    });
  });

  it("has the documented defaults: no confirmation, no bare 동의", () => {
    expect(settingDefaults[settingNames.optOutConfirmation]).toBe("");
    expect(settingDefaults[settingNames.optInKeywords].split(",")).not.toContain("동의");
    for (const keyword of ["수신거부", "거부", "해지", "STOP"]) {
      expect(settingDefaults[settingNames.optOutKeywords].split(",")).toContain(keyword);
    }
  });

  it("writes the confirmation's date as the request's day in Korea", () => {
    expect(confirmationText("{date} 수신거부 처리", "2026-12-04T15:30:00.000Z")).toBe("2026-12-05 수신거부 처리");
    expect(confirmationText("{date} 수신거부 처리", "2026-12-04T14:59:59.000Z")).toBe("2026-12-04 수신거부 처리");
  });
});

const number = "+821012345678";
const now = new Date("2026-12-04T20:00:00.000Z");
const request = (kind: OptKind, minute: number, messageId = `${kind}-${minute}`): OptRequest => ({
  kind,
  messageId,
  at: new Date(Date.UTC(2026, 11, 4, 10, minute)).toISOString(),
  text: kind === "opt-out" ? "수신거부" : "수신동의",
  recipient: "+8215881234",
});

/** Applies requests in order, as the store would: a write unless the request was recorded already. */
function applyAll(requests: readonly OptRequest[]): Suppression | undefined {
  let state: Suppression | undefined;
  for (const each of requests) {
    const result = applyOptRequest(number, state, each, now);
    if (result.outcome !== "already-recorded") state = result.next;
  }
  return state;
}

/** What the state is, leaving out what depends on processing (when, and which request flipped it). */
const essence = (state: Suppression | undefined) =>
  state && {
    suppressed: state.suppressed,
    since: state.since,
    evidence: state.evidence.messageId,
    suppressedList: state.suppressedList,
    history: state.history.map((entry) => entry.messageId),
  };

describe("the suppression state", () => {
  it("is suppressed after an opt-out, with the evidence, and on the sparse index", () => {
    const optOut = request("opt-out", 1);
    const result = applyOptRequest(number, undefined, optOut, now);
    expect(result).toMatchObject({ outcome: "changed" });
    if (result.outcome === "already-recorded") return;
    expect(result.next).toEqual({
      number,
      suppressed: true,
      since: optOut.at,
      evidence: { ...optOut, recordedAt: now.toISOString(), changed: true },
      history: [{ ...optOut, recordedAt: now.toISOString(), changed: true }],
      suppressedList: "yes",
    });
    expect(suppressedReason(result.next)).toBe(
      `to opted out (수신거부) on ${optOut.at}; mark the request transactional to send anyway`,
    );
  });

  it("is lifted by a later opt-in, and leaves the sparse index", () => {
    const state = applyAll([request("opt-out", 1), request("opt-in", 2)]);
    expect(state).toMatchObject({ suppressed: false, since: request("opt-in", 2).at });
    expect(state?.suppressedList).toBeUndefined();
    expect(state?.history.map((entry) => [entry.messageId, entry.changed])).toEqual([
      ["opt-in-2", true],
      ["opt-out-1", true],
    ]);
  });

  it("ends in the latest request's state (by first arrival), whatever the processing order", () => {
    const requests = [
      request("opt-out", 1),
      request("opt-in", 5),
      request("opt-out", 9),
      request("opt-out", 3),
      request("opt-in", 7),
    ];
    const inOrder = essence(applyAll([...requests].sort((a, b) => a.at.localeCompare(b.at))));
    expect(inOrder).toMatchObject({ suppressed: true, since: request("opt-out", 9).at, evidence: "opt-out-9" });
    for (let seed = 1; seed <= 60; seed++) {
      expect(essence(applyAll(shuffled(requests, seed))), `seed ${seed}`).toEqual(inOrder);
    }
    // An opt-in arriving after the opt-out but processed first still wins.
    expect(essence(applyAll([request("opt-in", 2), request("opt-out", 1)]))).toMatchObject({
      suppressed: false,
      evidence: "opt-in-2",
    });
  });

  it("decides a tie of first arrivals by message id, the same way in every order", () => {
    const a = request("opt-out", 4, "aaaa");
    const b = request("opt-in", 4, "bbbb");
    expect(essence(applyAll([a, b]))).toEqual(essence(applyAll([b, a])));
  });

  it("is changed by nothing a redelivery or a retry repeats: idempotent by message id", () => {
    const optOut = request("opt-out", 1);
    const once = applyAll([optOut]) as Suppression;
    const again = applyOptRequest(number, once, optOut, new Date(now.getTime() + 60_000));
    expect(again).toEqual({ outcome: "already-recorded", latest: true, changed: true, current: once });
    // Superseded since: a redelivery of it neither changes the state nor is the latest.
    const lifted = applyAll([optOut, request("opt-in", 2)]) as Suppression;
    expect(applyOptRequest(number, lifted, optOut, now)).toMatchObject({
      outcome: "already-recorded",
      latest: false,
    });
    // Any order with repeats: the same state as without.
    const requests = [optOut, request("opt-in", 2), request("opt-out", 3)];
    const expected = essence(applyAll(requests));
    for (let seed = 1; seed <= 20; seed++) {
      expect(essence(applyAll(shuffled([...requests, ...requests, optOut], seed))), `seed ${seed}`).toEqual(expected);
    }
  });

  it("a repeated opt-out while suppressed moves `since` to the latest request, no change to publish", () => {
    const result = applyOptRequest(number, applyAll([request("opt-out", 1)]), request("opt-out", 6), now);
    expect(result.outcome).toBe("unchanged");
    if (result.outcome !== "unchanged") return;
    expect(result.next).toMatchObject({ suppressed: true, since: request("opt-out", 6).at, suppressedList: "yes" });
  });

  it(`keeps the latest ${historyLimit} requests, newest first`, () => {
    const many = Array.from({ length: historyLimit + 5 }, (_, minute) =>
      request(minute % 2 === 0 ? "opt-out" : "opt-in", minute),
    );
    const state = applyAll(shuffled(many, 7)) as Suppression;
    expect(state.history).toHaveLength(historyLimit);
    expect(state.history.map((entry) => entry.messageId)).toEqual(
      many
        .slice(-historyLimit)
        .reverse()
        .map((entry) => entry.messageId),
    );
    expect(state.evidence.messageId).toBe(many.at(-1)?.messageId);
  });
});

describe("recordOptRequest", () => {
  const keywords: OptKeywords = defaults;
  const settings = {
    optKeywords: keywords,
    optOutConfirmation: "[투비] {date} 수신거부 처리되었습니다.",
    optInConfirmation: undefined,
  };

  /** In-memory ports: records, one suppression item, the events and send requests collected. */
  function fakes(records: StoredInbound[]) {
    let item: Suppression | undefined;
    const published: DomainEvent[] = [];
    const queued: SendRequest[] = [];
    let reads = 0;
    const ports: OptRequestPorts = {
      async readInbound(messageId) {
        reads++;
        return records.find((record) => record.messageId === messageId);
      },
      async changeSuppression(_number, change) {
        const next = change(item && structuredClone(item));
        if (next) item = next;
      },
      events: { publish: async (event) => void published.push(event) },
      queueSend: async (send) => void queued.push(send),
    };
    return { ports, published, queued, state: () => item, reads: () => reads };
  }
  const inbound = (messageId: string, text: string, minute: number): StoredInbound => ({
    messageId,
    sender: number,
    recipient: "+8215881234",
    text,
    firstArrivalAt: new Date(Date.UTC(2026, 11, 4, 10, minute)).toISOString(),
  });

  it("reads nothing and does nothing for a text that is no keyword", async () => {
    const { ports, reads, published } = fakes([]);
    expect(
      await recordOptRequest({ messageId: "m1", text: "안녕하세요", retry: false }, ports, settings),
    ).toBeUndefined();
    expect(reads()).toBe(0);
    expect(published).toEqual([]);
  });

  it("publishes recipient.opted-out once, and queues the confirmation as a transactional send from the number it came to", async () => {
    const stop = inbound("a".repeat(32), "수신 거부", 1);
    const { ports, published, queued, state } = fakes([stop]);
    const recorded = await recordOptRequest(
      { messageId: stop.messageId, text: stop.text, retry: false },
      ports,
      settings,
      () => now,
    );
    expect(recorded).toEqual({
      kind: "opt-out",
      outcome: "changed",
      suppressed: true,
      published: true,
      confirmed: true,
    });
    expect(published).toEqual([
      {
        schema: "tobetext.events/v1",
        type: "recipient.opted-out",
        id: `opt-out:${stop.messageId}`,
        occurredAt: stop.firstArrivalAt,
        data: { number, messageId: stop.messageId, text: "수신 거부", recipient: "+8215881234" },
      },
    ]);
    expect(queued).toEqual([
      {
        to: number,
        from: "+8215881234",
        text: "[투비] 2026-12-04 수신거부 처리되었습니다.",
        ckey: `opt-out-${stop.messageId}`,
        transactional: true,
      },
    ]);
    expect(state()?.suppressed).toBe(true);
  });

  it("on a redelivery of the change, publishes and confirms again under the same event id and CKey (a crash may have come between)", async () => {
    const stop = inbound("b".repeat(32), "STOP", 1);
    const { ports, published, queued, state } = fakes([stop]);
    await recordOptRequest({ messageId: stop.messageId, text: stop.text, retry: false }, ports, settings, () => now);
    const before = state();
    const again = await recordOptRequest({ messageId: stop.messageId, text: stop.text, retry: false }, ports, settings);
    expect(again).toMatchObject({ outcome: "already-recorded", published: true, confirmed: true });
    expect(state()).toEqual(before);
    expect(new Set(published.map((event) => event.id))).toEqual(new Set([`opt-out:${stop.messageId}`]));
    expect(new Set(queued.map((send) => send.ckey))).toEqual(new Set([`opt-out-${stop.messageId}`]));
  });

  it("a superseded request changes nothing, publishes nothing and confirms nothing", async () => {
    const stop = inbound("c".repeat(32), "수신거부", 1);
    const start = inbound("d".repeat(32), "수신동의", 2);
    const { ports, published, queued, state } = fakes([stop, start]);
    await recordOptRequest({ messageId: start.messageId, text: start.text, retry: false }, ports, settings);
    const late = await recordOptRequest({ messageId: stop.messageId, text: stop.text, retry: false }, ports, settings);
    expect(late).toMatchObject({ kind: "opt-out", outcome: "superseded", suppressed: false, published: false });
    // The opt-in found the number not suppressed (no change), and the opt-out came too late to change it.
    expect(published).toEqual([]);
    // No opt-in confirmation is set, and the superseded opt-out is not confirmed.
    expect(queued).toEqual([]);
    expect(state()).toMatchObject({ suppressed: false, evidence: { messageId: start.messageId } });
    expect(state()?.history.map((entry) => entry.messageId)).toEqual([start.messageId, stop.messageId]);
  });

  it("a ToBeText retry of the request repeats nothing: no event, no confirmation", async () => {
    const stop = inbound("f".repeat(32), "STOP", 1);
    const { ports, published, queued, state } = fakes([stop]);
    await recordOptRequest({ messageId: stop.messageId, text: stop.text, retry: false }, ports, settings);
    const before = state();
    const retried = await recordOptRequest(
      { messageId: stop.messageId, text: stop.text, retry: true },
      ports,
      settings,
    );
    expect(retried).toMatchObject({ outcome: "already-recorded", published: false, confirmed: false });
    expect(state()).toEqual(before);
    expect(published).toHaveLength(1);
    expect(queued).toHaveLength(1);
  });

  it("moves a request back when a retry processed first had given its time, and publishes the flip that follows", async () => {
    // The opt-out's SMS first arrived at :07, the opt-in's at :00; the opt-in was processed from a retry (:08).
    const stop = inbound("1".repeat(32), "수신거부", 7);
    const start = inbound("2".repeat(32), "수신동의", 8);
    const records = [stop, start];
    const { ports, published, state } = fakes(records);
    await recordOptRequest({ messageId: stop.messageId, text: stop.text, retry: false }, ports, settings);
    await recordOptRequest({ messageId: start.messageId, text: start.text, retry: false }, ports, settings);
    expect(state()).toMatchObject({ suppressed: false, since: start.firstArrivalAt });
    // The opt-in's first arrival, processed now, moves its record's first arrival back to :00.
    records[1] = { ...start, firstArrivalAt: inbound("", "", 0).firstArrivalAt };
    const moved = await recordOptRequest(
      { messageId: start.messageId, text: start.text, retry: true },
      ports,
      settings,
    );
    expect(moved).toMatchObject({ outcome: "moved-back", suppressed: true, published: true, confirmed: false });
    expect(state()).toMatchObject({ suppressed: true, since: stop.firstArrivalAt, suppressedList: "yes" });
    expect(state()?.evidence).toMatchObject({ messageId: stop.messageId, changed: true });
    expect(state()?.history.map((entry) => entry.at)).toEqual([stop.firstArrivalAt, inbound("", "", 0).firstArrivalAt]);
    // Its event's id is the opt-out's, as when it was first published (a known limit: README "Known limits").
    expect(published.map((event) => event.id)).toEqual([
      `opt-out:${stop.messageId}`,
      `opt-in:${start.messageId}`,
      `opt-out:${stop.messageId}`,
    ]);
    // Moving back again to the same time changes nothing.
    const again = await recordOptRequest(
      { messageId: start.messageId, text: start.text, retry: true },
      ports,
      settings,
    );
    expect(again).toMatchObject({ outcome: "already-recorded", published: false });
  });

  it("an opt-in of a number never suppressed is recorded as evidence, but changes no state: nothing published", async () => {
    const start = inbound("e".repeat(32), "START", 1);
    const { ports, published, state } = fakes([start]);
    const recorded = await recordOptRequest(
      { messageId: start.messageId, text: start.text, retry: false },
      ports,
      settings,
    );
    expect(recorded).toMatchObject({ kind: "opt-in", outcome: "unchanged", suppressed: false, published: false });
    expect(published).toEqual([]);
    expect(state()).toMatchObject({ suppressed: false, evidence: { messageId: start.messageId } });
  });
});
