import type { CallbackDelivery } from "./delivery-report.ts";
import type { InboundDelivery } from "./inbound-delivery.ts";

/** A request that could not be accepted, kept whole with the reason for a person to inspect. */
export interface RejectedRequest {
  rejectionId: string;
  /** Which route received it (a key of the topology's routes). */
  route: string;
  receivedAt: string;
  httpStatus: number;
  errorCode: number;
  reason: string;
  request: {
    method: string;
    /** The route template: the path itself holds the URL secret, which is never stored. */
    routeKey: string;
    rawQueryString: string;
    headers: Record<string, string>;
    sourceIp: string;
    /** The body exactly as received, base64; cut at the body limit (see bodyTruncated). */
    bodyBase64: string;
    bodyBytes: number;
    bodyTruncated: boolean;
  };
  /** The fields, when the body could be read. */
  fields?: Record<string, string>;
}

/** What travels on the queue: one message per received request. */
export type Envelope =
  | { kind: "inbound-sms"; version: 1; delivery: InboundDelivery }
  | { kind: "status-callback"; version: 1; delivery: CallbackDelivery }
  | { kind: "rejected-request"; version: 1; rejected: RejectedRequest };

export type EnvelopeKind = Envelope["kind"];

export class MalformedEnvelopeError extends Error {
  override name = "MalformedEnvelopeError";
}

/**
 * JSON for an SQS message body. SQS takes only the characters XML allows (tab, LF, CR, U+0020 to
 * U+D7FF, U+E000 to U+FFFD, U+10000 and up), and the stand-in not even those above U+FFFF: every
 * other character is written as its \u escape, the same JSON, so any received text can be queued.
 * (JSON.stringify escapes control characters and lone surrogates itself.)
 */
export function serializeEnvelope(envelope: Envelope): string {
  return JSON.stringify(envelope).replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD]/gu, (character) =>
    [...Array(character.length).keys()]
      .map((index) => `\\u${character.charCodeAt(index).toString(16).padStart(4, "0")}`)
      .join(""),
  );
}

/** Reads a queued envelope; anything that is not one is a poison message and throws. */
export function parseEnvelope(body: string): Envelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new MalformedEnvelopeError("message body is not JSON");
  }
  if (!isRecord(parsed) || parsed.version !== 1) throw new MalformedEnvelopeError("not a version 1 envelope");
  if (parsed.kind === "inbound-sms" && isInboundDelivery(parsed.delivery)) return parsed as Envelope;
  if (parsed.kind === "status-callback" && isCallbackDelivery(parsed.delivery)) return parsed as Envelope;
  if (parsed.kind === "rejected-request" && isRejectedRequest(parsed.rejected)) return parsed as Envelope;
  throw new MalformedEnvelopeError(`envelope of kind ${String(parsed.kind)} is missing required parts`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hasStrings(value: Record<string, unknown>, ...names: string[]): boolean {
  return names.every((name) => typeof value[name] === "string");
}

function isDelivery(value: unknown): value is Record<string, unknown> & { receivedAt: string } {
  return (
    isRecord(value) &&
    hasStrings(value, "deliveryId", "receivedAt") &&
    !Number.isNaN(Date.parse(String(value.receivedAt)))
  );
}

function isReceivedFields(value: Record<string, unknown>): boolean {
  return hasStrings(value, "charset", "format") && isRecord(value.fields) && isRecord(value.undecodable);
}

function isCallbackDelivery(value: unknown): boolean {
  if (!isDelivery(value) || !isRecord(value.callback)) return false;
  const { callback } = value;
  return (
    (typeof callback.msgId === "string" || typeof callback.cKey === "string") &&
    hasStrings(callback, "status", "errorCode", "errorMeaning", "outcome", "errorMsg") &&
    isReceivedFields(callback)
  );
}

function isInboundDelivery(value: unknown): boolean {
  if (!isDelivery(value) || !isRecord(value.sms)) return false;
  const { sms } = value;
  return (
    isRecord(sms.sender) &&
    isRecord(sms.recipient) &&
    hasStrings(sms.sender, "e164", "asSent") &&
    hasStrings(sms.recipient, "e164", "asSent") &&
    hasStrings(sms, "prefix", "text") &&
    isReceivedFields(sms) &&
    Array.isArray(sms.flags)
  );
}

function isRejectedRequest(value: unknown): boolean {
  return (
    isRecord(value) &&
    hasStrings(value, "rejectionId", "route", "receivedAt", "reason") &&
    !Number.isNaN(Date.parse(String(value.receivedAt))) &&
    typeof value.httpStatus === "number" &&
    typeof value.errorCode === "number" &&
    isRecord(value.request)
  );
}
