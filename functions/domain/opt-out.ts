/**
 * Opt-out (수신거부) and opt-in by inbound SMS (README "Opt-out (수신거부)"): which texts are requests,
 * and the suppression state of a number as a function of the requests it sent, whatever the order in
 * which they are processed.
 */

export type OptKind = "opt-out" | "opt-in";

/**
 * A text as keywords are compared: Unicode-normalised (NFKC: full-width ＳＴＯＰ is STOP), upper case,
 * without whitespace, punctuation or symbols anywhere. So "수신 거부", "STOP." and "080-수신거부" match
 * their keywords, while a sentence ("거부 안 해요") stays a sentence: only the whole text is compared.
 */
export function keywordForm(text: string): string {
  return text
    .normalize("NFKC")
    .toUpperCase()
    .replace(/[\s\p{P}\p{S}]/gu, "");
}

export interface OptKeywords {
  optOut: ReadonlySet<string>;
  optIn: ReadonlySet<string>;
}

/** Both lists in keyword form; the problem in words when a keyword is empty in that form or in both lists. */
export function optKeywords(optOut: readonly string[], optIn: readonly string[]): OptKeywords | { problem: string } {
  const out = new Set<string>();
  const back = new Set<string>();
  for (const [list, into] of [
    [optOut, out],
    [optIn, back],
  ] as const) {
    for (const keyword of list) {
      const form = keywordForm(keyword);
      if (form === "") return { problem: `"${keyword}" has no letters or digits` };
      into.add(form);
    }
  }
  const both = [...out].filter((form) => back.has(form));
  if (both.length > 0) return { problem: `${both.join(", ")} cannot be both an opt-out and an opt-in keyword` };
  return { optOut: out, optIn: back };
}

/** The request an inbound text makes, if any. */
export function optRequestOf(text: string, keywords: OptKeywords): OptKind | undefined {
  const form = keywordForm(text);
  if (keywords.optOut.has(form)) return "opt-out";
  if (keywords.optIn.has(form)) return "opt-in";
  return undefined;
}

/** One SMS that asked: the evidence kept. */
export interface OptRequest {
  kind: OptKind;
  /** The inbound record's id. */
  messageId: string;
  /** The SMS's first arrival (ISO 8601): requests are ordered by it. */
  at: string;
  /** As the record has it (after the prefix). */
  text: string;
  /** E.164: the receiving number it was sent to. */
  recipient: string;
}

/** A request as the history lists it: when it was recorded, and whether it changed the state then. */
export interface RecordedRequest extends OptRequest {
  recordedAt: string;
  changed: boolean;
}

/** A number's suppression state: the item of the suppressions table. */
export interface Suppression {
  /** E.164: the number that asked. */
  number: string;
  /** The latest request's kind: true after an opt-out. */
  suppressed: boolean;
  /** The latest request's time (its SMS's first arrival). */
  since: string;
  /** The latest request. */
  evidence: RecordedRequest;
  /** The latest requests, newest first, at most `historyLimit`; the evidence among them. */
  history: RecordedRequest[];
  /** Present only while suppressed: the sparse index's partition key (suppressionIndexes). */
  suppressedList?: "yes";
}

/** Enough for any person's back-and-forth, small enough to keep an item a few KB (each text is one SMS). */
export const historyLimit = 20;

/**
 * What a request does to a number's state:
 * - `changed`: it is the latest, and it flips the state (a first opt-out too): publish it.
 * - `unchanged`: it is the latest, the state stays (a second STOP, an opt-in of a number never suppressed):
 *   evidence and `since` move to it.
 * - `superseded`: a later request was recorded first: kept in the history only.
 * - `already-recorded`: this SMS's request is recorded (a retry, a redelivery); `latest` when it is still the
 *   evidence, `changed` when it changed the state then.
 * - `moved-back`: this SMS's first arrival is earlier than recorded (a retry was processed before it): the
 *   request moves back with it, and the latest request, maybe another one now, decides; `changed` when the
 *   state flips (publish the new evidence).
 */
export type OptOutcome =
  | { outcome: "changed" | "unchanged" | "superseded"; next: Suppression }
  | { outcome: "moved-back"; changed: boolean; next: Suppression }
  | { outcome: "already-recorded"; latest: boolean; changed: boolean; current: Suppression };

/**
 * The state after `request`, from the state before it. The latest request by its SMS's first arrival
 * (then by message id, so that ties are decided the same way everywhere) decides the state, whatever the
 * order in which requests are processed; a request already listed changes nothing, unless its SMS's first
 * arrival has moved back since.
 */
export function applyOptRequest(
  number: string,
  current: Suppression | undefined,
  request: OptRequest,
  now: Date,
): OptOutcome {
  const known = current?.history.find((entry) => entry.messageId === request.messageId);
  if (current && known) {
    if (order(request) < order(known)) return movedBack(number, current, { ...known, at: request.at });
    const latest = current.evidence.messageId === request.messageId;
    return { outcome: "already-recorded", latest, changed: known.changed, current };
  }
  const suppressed = request.kind === "opt-out";
  const isLatest = !current || isLater(request, current.evidence);
  // A number never suppressed is not suppressed: a first opt-in changes no state (nothing to publish).
  const changed = isLatest && (current ? current.suppressed !== suppressed : suppressed);
  const entry: RecordedRequest = { ...request, recordedAt: now.toISOString(), changed };
  const history = [entry, ...(current?.history ?? [])].sort(newestFirst).slice(0, historyLimit);
  // A later request decides the state: this one is kept as evidence only (if it is among the latest).
  if (current && !isLatest) return { outcome: "superseded", next: { ...current, history } };
  return {
    outcome: changed ? "changed" : "unchanged",
    next: {
      number,
      suppressed,
      since: request.at,
      evidence: entry,
      history,
      ...(suppressed ? { suppressedList: "yes" as const } : {}),
    },
  };
}

/** The history with one entry earlier than it was; the state is its latest entry's. */
function movedBack(number: string, current: Suppression, moved: RecordedRequest): OptOutcome {
  const history = current.history
    .map((entry) => (entry.messageId === moved.messageId ? moved : entry))
    .sort(newestFirst);
  const [first = moved] = history;
  const suppressed = first.kind === "opt-out";
  const changed = suppressed !== current.suppressed;
  // A flip is this entry's change now: a redelivery of its SMS publishes it again.
  const latest = changed ? { ...first, changed: true } : first;
  const next: Suppression = {
    number,
    suppressed,
    since: latest.at,
    evidence: latest,
    history: history.map((entry) => (entry.messageId === latest.messageId ? latest : entry)),
    ...(suppressed ? { suppressedList: "yes" as const } : {}),
  };
  return { outcome: "moved-back", changed, next };
}

const order = (request: Pick<OptRequest, "at" | "messageId">) =>
  `${new Date(Date.parse(request.at)).toISOString()} ${request.messageId}`;

const isLater = (a: OptRequest, b: OptRequest) => order(a) > order(b);

const newestFirst = (a: OptRequest, b: OptRequest) => order(b).localeCompare(order(a));

/** Why a send to a suppressed number is refused, naming the field and what to do. */
export const suppressedReason = (suppression: Pick<Suppression, "since">) =>
  `to opted out (수신거부) on ${suppression.since}; mark the request transactional to send anyway`;

/** The confirmation text with `{date}` as the request's day in Korea (YYYY-MM-DD, KST). */
export function confirmationText(template: string, at: string): string {
  const kst = new Date(Date.parse(at) + 9 * 3600_000).toISOString().slice(0, 10);
  return template.replaceAll("{date}", kst);
}
