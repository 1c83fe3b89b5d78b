import { Validations } from "aws-cdk-lib";
import { type HttpApi, HttpMethod, HttpRoute, HttpRouteKey, PayloadFormatVersion } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { Alarm, GraphWidget } from "aws-cdk-lib/aws-cloudwatch";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import type { MetricName } from "../../functions/contract.ts";
import { outputKeys } from "../outputs.ts";
import {
  functionDefaults,
  metrics,
  type QueueDefinition,
  type QueueId,
  type RouteDefinition,
  type RouteId,
  secretRoutePath,
  urlSecretSettings,
} from "../topology.ts";
import {
  customMetric,
  fiveMinutes,
  functionLines,
  graph,
  type Monitored,
  type SharedLines,
  thresholdAlarm,
} from "./monitoring.ts";
import { namedOutput } from "./named-output.ts";
import { ReceiverFunction } from "./receiver-function.ts";
import { deadLetterOutputs, queueAlarms, queueLines, ReceiverQueue } from "./receiver-queue.ts";

export interface ReceiveRouteProps {
  /** The topology's id: the `route` dimension of its metrics, and its output's key. */
  routeId: RouteId;
  route: RouteDefinition;
  /** The topology's definition of its queue (`route.queue`), which it owns. */
  queue: QueueDefinition;
  /** Shared by every route; its routes are added to it. */
  httpApi: HttpApi;
  urlSecret: ISecret;
  /** What every function gets: the user settings and the metrics service. */
  environment: Record<string, string>;
  /**
   * The ids its queue and its receive function had when the stack made them directly: the queues,
   * their policies and the log group keep the logical ids they got then (see keepFormerLogicalIds).
   */
  formerIds?: { queue: string; receiver: string };
}

/**
 * Denied requests per route in five minutes that raise the alarm. A stray probe of the URL stays
 * below; a URL that no longer matches the secret (a botched rotation) refuses every request, and
 * ToBeText posts each again and repeats its status callbacks, so real traffic soon reaches it.
 */
const deniedAlarmThreshold = 10;

/**
 * One route of the topology, whole: its receive function behind `ANY <path>` and
 * `ANY <path>/{secret}` on the shared API, the queue (and dead-letter queue) it sends to, the
 * grants between them, its outputs, its alarms and its lines on the dashboard.
 */
export class ReceiveRoute extends Construct implements Monitored {
  readonly routeId: RouteId;
  readonly route: RouteDefinition;
  readonly queueId: QueueId;
  readonly queue: ReceiverQueue;
  readonly receiver: ReceiverFunction;
  /** What arrived, per minute: its consumer adds what became of it. */
  readonly trafficGraph: GraphWidget;
  readonly graphs: readonly GraphWidget[];
  readonly sharedLines: SharedLines;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: ReceiveRouteProps) {
    super(scope, id);
    const { routeId, route } = props;
    const queueId = route.queue;
    this.routeId = routeId;
    this.route = route;
    this.queueId = queueId;
    const { formerIds } = props;
    this.queue = new ReceiverQueue(this, "Queue", {
      queueId,
      definition: props.queue,
      ...(formerIds ? { formerId: formerIds.queue } : {}),
    });

    this.receiver = new ReceiverFunction(this, "Receiver", {
      entry: route.entry,
      description: `Receives ${route.label} at ${route.path} and queues it`,
      memorySizeMb: functionDefaults.memorySizeMb,
      timeoutSeconds: functionDefaults.receiveTimeoutSeconds,
      environment: {
        ...props.environment,
        [props.queue.urlSetting]: this.queue.queue.queueUrl,
        // The ARN, not the value: the function reads the secret itself, and caches it.
        [urlSecretSettings.secretArn]: props.urlSecret.secretArn,
      },
      ...(formerIds ? { formerId: formerIds.receiver } : {}),
    });
    this.receiver.allowSendingTo(this.queue.queue);
    props.urlSecret.grantRead(this.receiver);

    this.addHttpRoutes(props.httpApi);
    this.addOutputs(props.httpApi);
    this.alarms = this.addAlarms();

    const line = (name: MetricName, label: string) =>
      customMetric(this, name, { dimensions: { route: routeId }, label });
    // Counted once, where stored: the receive function counts only what it turns away.
    this.trafficGraph = graph(
      `${capitalized(route.label)} accepted per minute (as stored)`,
      route.storedMetrics.map(({ name, label }) => customMetric(this, name, { label })),
    );
    this.graphs = [this.trafficGraph];
    this.sharedLines = {
      refusals: [
        line(metrics.names.rejected, `rejected ${routeId}`),
        line(metrics.names.denied, `denied (no or wrong URL secret, or address) ${routeId}`),
        line(metrics.names.unavailable, `503 ${routeId}`),
      ],
      queues: queueLines(routeId, this.queue),
      functions: functionLines(this.receiver, routeId),
    };
  }

  /**
   * Any method reaches the handler, which answers a wrong one with ToBeText's 405. The bare path
   * too: a request without the secret reaches the handler, which answers 404 and counts it.
   */
  private addHttpRoutes(httpApi: HttpApi): void {
    const integration = new HttpLambdaIntegration("Integration", this.receiver, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
    });
    const paths = { BarePath: this.route.path, SecretPath: secretRoutePath(this.route) };
    for (const [id, path] of Object.entries(paths)) {
      const httpRoute = new HttpRoute(this, id, {
        httpApi,
        routeKey: HttpRouteKey.with(path, HttpMethod.ANY),
        integration,
      });
      Validations.of(httpRoute).acknowledge({
        id: "AwsSolutions-APIG4",
        reason:
          "ToBeText sends no credentials; callers are checked by the secret path segment (and optionally their address) in the handler.",
      });
    }
  }

  private addOutputs(httpApi: HttpApi): void {
    const { route, queueId } = this;
    namedOutput(this, outputKeys.routeUrl(this.routeId), {
      value: `${httpApi.apiEndpoint}${route.path}/`,
      description: `The ${route.label} URL, to which the URL secret is appended. ${route.registration}`,
    });
    deadLetterOutputs(this, queueId, this.queue);
    // `npm run replay` queues a replayed rejection here, as the receive function would have.
    namedOutput(this, outputKeys.queueUrl(queueId), {
      value: this.queue.queue.queueUrl,
      description: `The ${route.label} queue: npm run replay queues replayed rejections on it`,
    });
  }

  private addAlarms(): Alarm[] {
    const { routeId } = this;
    const perFiveMinutes = (name: MetricName) =>
      customMetric(this, name, { dimensions: { route: routeId }, period: fiveMinutes });
    return [
      ...queueAlarms(this, routeId, this.queue),
      thresholdAlarm(this, "UnavailableAlarm", {
        metric: perFiveMinutes(metrics.names.unavailable),
        threshold: 1,
        description: `The ${routeId} endpoint answered 503 (it could not queue): ToBeText will retry, but look why.`,
      }),
      thresholdAlarm(this, "DeniedAlarm", {
        metric: perFiveMinutes(metrics.names.denied),
        threshold: deniedAlarmThreshold,
        description:
          `The ${routeId} endpoint turned away ${deniedAlarmThreshold} or more requests in 5 minutes (no or a wrong URL secret, or a caller outside the allowlist), unread and unkept. ` +
          "If the URL secret was just rotated, ToBeText's URL no longer matches and every message is being refused: restore the previous secret. Otherwise someone is probing the URL. A stray request stays below this.",
      }),
    ];
  }
}

const capitalized = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
