import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import { HttpApi, LogGroupLogDestination } from "aws-cdk-lib/aws-apigatewayv2";
import type { Construct } from "constructs";
import { limits } from "../topology.ts";
import { receiverLogGroup } from "./log-group.ts";

/**
 * The HTTP API every ReceiveRoute adds its routes to, on a `$default` stage with access logs and
 * per-route throttling. Made in the scope given, under the id given: the API's logical id is its
 * URL's, which ToBeText has registered.
 */
export function receiverHttpApi(scope: Construct, id: string, apiName: string): HttpApi {
  const httpApi = new HttpApi(scope, id, {
    apiName,
    description: "Receives ToBeText's requests",
    // The $default stage is added below, with access logging.
    createDefaultStage: false,
  });
  httpApi.addStage("DefaultStage", {
    stageName: "$default",
    autoDeploy: true,
    // Per route (API Gateway's default route throttling): a flood costs little and starves nothing else.
    throttle: { rateLimit: limits.throttle.rateLimitPerSecond, burstLimit: limits.throttle.burstLimit },
    accessLogSettings: {
      destination: new LogGroupLogDestination(receiverLogGroup(scope, `${id}AccessLogs`)),
      format: accessLogFormat,
    },
  });
  return httpApi;
}

/**
 * JSON lines with what tells a ToBeText retry apart from a failure: status, latency, integration error.
 * No request path: its last segment is the URL secret. The route key shows the template (`{secret}`).
 */
const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: "$context.requestId",
    requestTime: "$context.requestTime",
    sourceIp: "$context.identity.sourceIp",
    userAgent: "$context.identity.userAgent",
    method: "$context.httpMethod",
    routeKey: "$context.routeKey",
    status: "$context.status",
    responseLength: "$context.responseLength",
    responseLatency: "$context.responseLatency",
    integrationStatus: "$context.integration.status",
    integrationLatency: "$context.integration.latency",
    integrationError: "$context.integrationErrorMessage",
    error: "$context.error.message",
  }),
);
