import { settingNames } from "../contract.ts";
import { acceptInboundSms } from "../domain/inbound-sms.ts";
import { parsePhoneNumber } from "../domain/phone-number.ts";
import { describeText, maskPhone } from "../shared/logger.ts";
import { receiveEndpoint } from "../shared/receive-endpoint.ts";
import { listSetting, SettingError } from "../shared/settings.ts";

const rules = {
  prefixes: listSetting(settingNames.prefixes),
  receivingNumbers: new Set(
    listSetting(settingNames.receivingNumbers).map((number) => {
      const parsed = parsePhoneNumber(number);
      if (!parsed) throw new SettingError(`${settingNames.receivingNumbers} has an invalid phone number: ${number}`);
      return parsed.e164;
    }),
  ),
};

/** Receives one inbound SMS from ToBeText: validates it, queues it durably, then confirms. */
export const handler = receiveEndpoint({
  route: "inboundSms",
  accept: (fields) => acceptInboundSms(fields, rules),
  envelope: (received, sms) => ({
    kind: "inbound-sms",
    version: 1,
    delivery: { deliveryId: received.deliveryId, receivedAt: received.receivedAt, sms },
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
