import { readReceiverConfig } from "../config/receiver.ts";
import { acceptStatusCallback } from "../domain/status-callback.ts";
import { receiveEndpoint } from "../http/receive-endpoint.ts";
import { maskPhone } from "../observability.ts";

const config = readReceiverConfig("statusCallback");

/** Receives one delivery-status callback from ToBeText: validates it, queues it durably, then confirms. */
export const handler = receiveEndpoint(config, {
  accept: acceptStatusCallback,
  envelope: ({ arrivalId, receivedAt }, callback) => ({
    kind: "status-callback",
    version: 2,
    arrival: { arrivalId, receivedAt, callback },
  }),
  numbers: (callback) => ({ sendNum: callback.sendNum?.asSent ?? "", recvNum: callback.recvNum?.asSent ?? "" }),
  describe: (callback) => ({
    msgId: callback.msgId,
    cKey: callback.cKey,
    errorCode: callback.errorCode,
    outcome: callback.outcome,
    recipient: maskPhone(callback.recvNum?.e164 ?? callback.recvNum?.asSent),
    format: callback.format,
  }),
});
