import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { limits, queues, routes, settingNames } from "../../infra/topology.ts";
import { enqueue } from "../adapters/queue.ts";
import { acceptInboundSms } from "../domain/inbound-sms.ts";
import { parsePhoneNumber } from "../domain/phone-number.ts";
import { fieldIgnoringCase } from "../domain/received-fields.ts";
import { resultCodes } from "../domain/tobetext-result.ts";
import { describeText, emitMetric, logger, maskPhone } from "../shared/logger.ts";
import { decodeRequestFields } from "../shared/request-fields.ts";
import { listSetting, requiredSetting, SettingError } from "../shared/settings.ts";
import {
  type EndpointContext,
  ToBeTextHttpError,
  tobetextEndpoint,
  tobetextResponse,
} from "../shared/tobetext-http.ts";

const route = "inboundSms";
const queueUrl = requiredSetting(queues[routes[route].queue].urlSetting);
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
async function receiveInboundSms(
  _event: APIGatewayProxyEventV2,
  { received }: EndpointContext,
): Promise<APIGatewayProxyStructuredResultV2> {
  const decoded = await decodeRequestFields(received);
  const acceptance = acceptInboundSms(decoded, rules);
  if (!acceptance.accepted) {
    const { errorCode, reason } = acceptance.rejection;
    throw new ToBeTextHttpError(400, errorCode, reason, {
      fields: decoded.fields,
      sendNum: fieldIgnoringCase(decoded.fields, "SendNum"),
      recvNum: fieldIgnoringCase(decoded.fields, "RecvNum"),
    });
  }
  const sms = acceptance.value;
  await enqueue(queueUrl, {
    kind: "inbound-sms",
    version: 1,
    delivery: { deliveryId: received.deliveryId, receivedAt: received.receivedAt, sms },
  });
  logger.info("inbound SMS queued", {
    deliveryId: received.deliveryId,
    sender: maskPhone(sms.sender.e164),
    recipient: maskPhone(sms.recipient.e164),
    prefix: sms.prefix,
    text: describeText(sms.text),
    charset: sms.charset,
    format: sms.format,
    flags: sms.flags,
  });
  emitMetric("InboundAccepted", 1, { route });
  return tobetextResponse(200, {
    Status: "Success",
    MsgId: received.deliveryId,
    SendNum: sms.sender.asSent,
    RecvNum: sms.recipient.asSent,
    ErrorCode: resultCodes.success,
    ErrorMsg: "Message received",
  });
}

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, EndpointContext>()
  .use(
    tobetextEndpoint({
      route,
      maxBodyBytes: limits.maxBodyBytes,
      keepRejected: (rejected) => enqueue(queueUrl, { kind: "rejected-request", version: 1, rejected }),
    }),
  )
  .handler(receiveInboundSms);
