/**
 * What travels on the queues, as one schema that is both the type and its validator (valibot):
 * one message per received request. A processor reads the envelopes of the version it was built
 * with and of the version before, since receivers and processors of two versions overlap during a
 * deploy (and a dead letter may be redriven days later).
 */
import * as v from "valibot";

const text = v.string();
const instant = v.pipe(
  v.string(),
  v.check((value) => !Number.isNaN(Date.parse(value)), "not a time"),
);
const textMap = v.record(v.string(), v.string());

/** The fields of one received request, decoded (see http/decoding). */
const receivedFields = {
  /** Every field received, name as sent. */
  fields: textMap,
  /** Fields whose bytes decode as nothing: name → base64 of the bytes received. */
  undecodable: textMap,
  charset: text,
  format: text,
};

const phoneNumber = v.object({ asSent: text, e164: text });

/** Something a person should look at on an otherwise accepted message. */
export const inboundFlags = ["UNKNOWN_PREFIX", "UNDECODABLE_BYTES"] as const;

/**
 * An inbound SMS that passed validation. Body as received (prefix and text) is `fields.Body`;
 * it is kept there only, so that the text is queued and stored once, not three times.
 */
const inboundSms = v.object({
  ...receivedFields,
  sender: phoneNumber,
  recipient: phoneNumber,
  prefix: text,
  /** The message without its prefix. */
  text,
  flags: v.array(v.picklist(inboundFlags)),
});

/** What a result means for the message: delivered and failed are final, unknown is not. */
export const outcomes = ["delivered", "failed", "unknown"] as const;

/** A number as sent, with its E.164 form when it reads as a phone number. */
const reportedNumber = v.object({ asSent: text, e164: v.optional(text) });

/** A status callback that passed validation: it names its message by MsgId or CKey. */
const statusCallback = v.pipe(
  v.object({
    ...receivedFields,
    msgId: v.optional(text),
    cKey: v.optional(text),
    status: text,
    errorCode: text,
    errorMeaning: text,
    outcome: v.picklist(outcomes),
    errorMsg: text,
    sendNum: v.optional(reportedNumber),
    recvNum: v.optional(reportedNumber),
  }),
  v.check((callback) => callback.msgId !== undefined || callback.cKey !== undefined, "names no message"),
);

/** A request that could not be accepted, kept whole with the reason for a person to inspect. */
const rejectedRequest = v.object({
  /** The MsgId it was answered with. */
  rejectionId: text,
  /** Which route received it. */
  route: text,
  receivedAt: instant,
  httpStatus: v.number(),
  errorCode: v.number(),
  reason: text,
  request: v.object({
    method: text,
    /** The route template: the path itself holds the URL secret, which is never stored. (Version 1 sent the path: dropped.) */
    routeKey: v.optional(text, ""),
    rawQueryString: text,
    headers: textMap,
    sourceIp: text,
    /** The body exactly as received, base64; cut at the body limit (see bodyTruncated). */
    bodyBase64: text,
    bodyBytes: v.number(),
    bodyTruncated: v.boolean(),
  }),
  /** The fields, when the body could be read. */
  fields: v.optional(textMap),
});

/**
 * One HTTP arrival of a request: the id it was answered with (MsgId), when API Gateway received it,
 * and API Gateway's request id (for the processor's log line; absent in envelopes queued before it).
 */
const arrival = { arrivalId: text, receivedAt: instant, apiRequestId: v.optional(text) };
const inboundArrival = v.object({
  ...arrival,
  sms: inboundSms,
  /**
   * A rejected request run again through today's rules (`npm run replay`): its rejectionId, which is also
   * the arrival id, so a replay repeated is counted once; the processor marks the rejection with the record.
   * Optional and additive: a processor of the version before reads the arrival and ignores it.
   */
  replayOf: v.optional(text),
});
const callbackArrival = v.object({ ...arrival, callback: statusCallback });

const currentEnvelope = v.variant("kind", [
  v.object({ kind: v.literal("inbound-sms"), version: v.literal(2), arrival: inboundArrival }),
  v.object({ kind: v.literal("status-callback"), version: v.literal(2), arrival: callbackArrival }),
  v.object({ kind: v.literal("rejected-request"), version: v.literal(2), rejected: rejectedRequest }),
]);

/** Version 1 (until issue 9): `delivery` with a `deliveryId`; the inbound SMS also carried `body` (now `fields.Body`). */
const renamedId = <T extends { deliveryId: string }>({ deliveryId, ...rest }: T) => ({
  arrivalId: deliveryId,
  ...rest,
});
const firstVersionInbound = v.pipe(
  v.object({ deliveryId: text, receivedAt: instant, sms: inboundSms }),
  v.transform(renamedId),
);
const firstVersionCallback = v.pipe(
  v.object({ deliveryId: text, receivedAt: instant, callback: statusCallback }),
  v.transform(renamedId),
);

const firstVersionEnvelope = v.pipe(
  v.variant("kind", [
    v.object({
      kind: v.literal("inbound-sms"),
      version: v.literal(1),
      delivery: firstVersionInbound,
    }),
    v.object({
      kind: v.literal("status-callback"),
      version: v.literal(1),
      delivery: firstVersionCallback,
    }),
    v.object({ kind: v.literal("rejected-request"), version: v.literal(1), rejected: rejectedRequest }),
  ]),
  v.transform((old): Envelope => {
    if (old.kind === "rejected-request") return { ...old, version: 2 };
    if (old.kind === "inbound-sms") return { kind: old.kind, version: 2, arrival: old.delivery };
    return { kind: old.kind, version: 2, arrival: old.delivery };
  }),
);

const envelopeSchema = v.union([currentEnvelope, firstVersionEnvelope]);

export type InboundFlag = (typeof inboundFlags)[number];
export type Outcome = (typeof outcomes)[number];
export type ReportedNumber = v.InferOutput<typeof reportedNumber>;
export type InboundSms = v.InferOutput<typeof inboundSms>;
export type StatusCallback = v.InferOutput<typeof statusCallback>;
export type RejectedRequest = v.InferOutput<typeof rejectedRequest>;
export type InboundArrival = v.InferOutput<typeof inboundArrival>;
export type CallbackArrival = v.InferOutput<typeof callbackArrival>;
export type Envelope = v.InferOutput<typeof currentEnvelope>;
export type EnvelopeKind = Envelope["kind"];

/** Written by envelope-json.ts, apart so that a receive function, which only writes, bundles no schema. */
export { serializeEnvelope } from "./envelope-json.ts";

export class MalformedEnvelopeError extends Error {
  override name = "MalformedEnvelopeError";
}

/**
 * Reads a queued envelope of this version or the one before; anything else is a poison message and
 * throws.
 */
export function parseEnvelope(body: string): Envelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new MalformedEnvelopeError("message body is not JSON");
  }
  const result = v.safeParse(envelopeSchema, parsed);
  if (!result.success) {
    const [issue] = result.issues;
    const where = issue.path?.map((item) => String(item.key)).join(".") ?? "envelope";
    throw new MalformedEnvelopeError(`not an envelope: ${where}: ${issue.message}`);
  }
  return result.output;
}
