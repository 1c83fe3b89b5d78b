/**
 * A kept rejection run again through today's rules (README "Replaying rejected requests"): the receive
 * function's own checks, in its order (method, size, decoding, acceptance, what the queue takes), on the
 * request exactly as it was kept, with the settings given. What it accepts is queued as the arrival it
 * was: the rejection's id (the MsgId answered) as arrival id and its original receivedAt, so a replay
 * repeated is counted once, and a replay of a request whose retry was stored meanwhile lands in that
 * message's window and is counted on it, as a retry is.
 */
import { queueLimits, routeContracts } from "../contract.ts";
import type { Envelope, RejectedRequest } from "../domain/envelope.ts";
import { acceptInboundSms, type InboundRules, inboundSmsEnvelope } from "../domain/inbound-sms.ts";
import { notOurNumber } from "../domain/rejection-replay.ts";
import { decodeRequestFields } from "./decoding/index.ts";
import { ToBeTextHttpError } from "./errors.ts";
import { queueable } from "./receive-endpoint.ts";
import { methodRefusal, sizeRefusal } from "./request-guards.ts";

/** Accepted today: the envelope, and its SQS message body. Or refused today, as the receive function would answer. */
export type Reacceptance =
  | { accepted: true; envelope: Envelope; messageBody: string }
  | { accepted: false; httpStatus: number; errorCode: number; reason: string };

/** Only inbound SMS are replayed: a status callback's acceptance depends on no setting. */
export const replayableRoute = notOurNumber.route;

export async function reacceptRejected(rejected: RejectedRequest, rules: InboundRules): Promise<Reacceptance> {
  if (rejected.route !== replayableRoute) {
    throw new Error(`rejection ${rejected.rejectionId} came by ${rejected.route}: only inbound SMS are replayed`);
  }
  const { request } = rejected;
  try {
    const refusal =
      methodRefusal(request.method) ?? sizeRefusal(request.bodyBytes, routeContracts.inboundSms.maxBodyBytes);
    if (refusal) throw refusal;
    const decoded = await decodeRequestFields({
      contentType: request.headers["content-type"],
      body: Buffer.from(request.bodyBase64, "base64"),
      rawQueryString: request.rawQueryString,
    });
    const acceptance = acceptInboundSms(decoded, rules);
    if (!acceptance.accepted) return { accepted: false, httpStatus: 400, ...acceptance.rejection };
    const envelope = inboundSmsEnvelope(
      { arrivalId: rejected.rejectionId, receivedAt: rejected.receivedAt, replayOf: rejected.rejectionId },
      acceptance.value,
    );
    return { accepted: true, envelope, messageBody: queueable(envelope, queueLimits.maxMessageBytes) };
  } catch (error) {
    if (!(error instanceof ToBeTextHttpError)) throw error;
    return { accepted: false, httpStatus: error.statusCode, errorCode: error.errorCode, reason: error.message };
  }
}
