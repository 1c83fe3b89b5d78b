import { acceptStatusCallback } from "../domain/status-callback.ts";
import { maskPhone } from "../shared/logger.ts";
import { receiveEndpoint } from "../shared/receive-endpoint.ts";

/** Receives one delivery-status callback from ToBeText: validates it, queues it durably, then confirms. */
export const handler = receiveEndpoint({
  route: "statusCallback",
  accept: acceptStatusCallback,
  envelope: (received, callback) => ({
    kind: "status-callback",
    version: 1,
    delivery: { deliveryId: received.deliveryId, receivedAt: received.receivedAt, callback },
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
