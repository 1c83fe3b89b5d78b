import { readReceiverConfig } from "../config/receiver.ts";
import { acceptInboundSms, inboundSmsEnvelope } from "../domain/inbound-sms.ts";
import { receiveEndpoint } from "../http/receive-endpoint.ts";
import { clip, maskPhone } from "../observability.ts";

const config = readReceiverConfig("inboundSms");

/** Receives one inbound SMS from ToBeText: validates it, queues it durably, then confirms. */
export const handler = receiveEndpoint(config, {
  accept: (fields) => acceptInboundSms(fields, config.settings),
  envelope: ({ arrivalId, receivedAt, apiRequestId }, sms) =>
    inboundSmsEnvelope({ arrivalId, receivedAt, apiRequestId }, sms),
  numbers: (sms) => ({ sendNum: sms.sender.asSent, recvNum: sms.recipient.asSent }),
  // Numbers masked (in E.164, so of bounded length); the text by its length only; the prefix (configured) cut short.
  describe: (sms) => ({
    sender: maskPhone(sms.sender.e164),
    recipient: maskPhone(sms.recipient.e164),
    prefix: clip(sms.prefix, 18),
    textLength: sms.text.length,
    charset: sms.charset,
    ...(sms.flags.length > 0 ? { flags: sms.flags } : {}),
  }),
});
