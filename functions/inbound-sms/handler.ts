import { readReceiverConfig } from "../config/receiver.ts";
import { acceptInboundSms } from "../domain/inbound-sms.ts";
import { receiveEndpoint } from "../http/receive-endpoint.ts";
import { describeText, maskPhone } from "../observability.ts";

const config = readReceiverConfig("inboundSms");

/** Receives one inbound SMS from ToBeText: validates it, queues it durably, then confirms. */
export const handler = receiveEndpoint(config, {
  accept: (fields) => acceptInboundSms(fields, config.settings),
  envelope: ({ arrivalId, receivedAt }, sms) => ({
    kind: "inbound-sms",
    version: 2,
    arrival: { arrivalId, receivedAt, sms },
  }),
  numbers: (sms) => ({ sendNum: sms.sender.asSent, recvNum: sms.recipient.asSent }),
  describe: (sms) => ({
    sender: maskPhone(sms.sender.e164),
    recipient: maskPhone(sms.recipient.e164),
    prefix: sms.prefix,
    text: describeText(sms.text),
    charset: sms.charset,
    format: sms.format,
    flags: sms.flags,
  }),
});
