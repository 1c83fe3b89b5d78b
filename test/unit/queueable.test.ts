import { describe, expect, it } from "vitest";
import { type Envelope, serializeEnvelope } from "../../functions/domain/envelope.ts";
import { ToBeTextHttpError } from "../../functions/http/errors.ts";
import { queueable } from "../../functions/http/receive-endpoint.ts";
import { inboundSmsEnvelope } from "../support/envelopes.ts";

const envelope: Envelope = inboundSmsEnvelope({
  arrivalId: "0123456789abcdef0123456789abcdef",
  sender: "01012345678",
  recipient: "821012341234",
  prefix: "TOBE",
  text: "\u0001".repeat(1000),
});
const bytes = Buffer.byteLength(serializeEnvelope(envelope));

describe("queueable", () => {
  it("gives the envelope's SQS body when it fits the queue, to the byte", () => {
    expect(queueable(envelope, bytes)).toBe(serializeEnvelope(envelope));
  });

  it("refuses with 413, never a 503, an envelope one byte larger than the queue takes", () => {
    const refusal = (() => {
      try {
        queueable(envelope, bytes - 1);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(ToBeTextHttpError);
    expect(refusal).toMatchObject({ statusCode: 413, errorCode: 413, details: {} });
  });
});
