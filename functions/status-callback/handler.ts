import { readReceiverConfig } from "../config/receiver.ts";
import { acceptStatusCallback } from "../domain/status-callback.ts";
import { receiveEndpoint } from "../http/receive-endpoint.ts";
import { clip } from "../observability.ts";

const config = readReceiverConfig("statusCallback");

/** Receives one delivery-status callback from ToBeText: validates it, queues it durably, then confirms. */
export const handler = receiveEndpoint(config, {
  accept: acceptStatusCallback,
  envelope: ({ arrivalId, receivedAt, apiRequestId }, callback) => ({
    kind: "status-callback",
    version: 2,
    arrival: { arrivalId, receivedAt, apiRequestId, callback },
  }),
  numbers: (callback) => ({ sendNum: callback.sendNum?.asSent ?? "", recvNum: callback.recvNum?.asSent ?? "" }),
  // Which message, and what became of it; ToBeText's MsgId is 32 characters, a longer id is cut.
  describe: (callback) => ({
    msgId: clip(callback.msgId, 40),
    cKey: clip(callback.cKey, 40),
    outcome: callback.outcome,
    errorCode: clip(callback.errorCode, 8),
  }),
});
