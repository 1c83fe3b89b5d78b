/**
 * Logs and metrics, with the field's libraries: Powertools Logger (JSON lines) and Metrics
 * (CloudWatch embedded metric format, one document per invocation, flushed by the `logMetrics`
 * middleware). Measured cost on this project's bundles: +1.4 ms import and +34 KiB for a receive
 * function, +1.7 ms and +40 KiB for a processor (README "Benchmarks").
 *
 * A line is paid for by the byte, once per message: each carries what tells it apart and nothing
 * CloudWatch already knows (the log group and stream name the function, its ARN and memory size):
 * see `LeanLogFormatter`. At info level a message gets one line of at most 400 bytes per function
 * (test/integration/security.test.ts).
 *
 * Phone numbers and message text are personal data: `maskPhone` them, give the text's length,
 * before logging at info level; raw values go in debug entries only. A value a caller chose goes
 * through `clip`, so that no caller can make a line long.
 */
import { LogFormatter, Logger, LogItem } from "@aws-lambda-powertools/logger";
import type { LogAttributes, UnformattedAttributes } from "@aws-lambda-powertools/logger/types";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logLevel, serviceName } from "./config/settings.ts";
import { type LogLevel, type MetricName, metrics as metricNames } from "./contract.ts";
import { sourceMappedStack } from "./stack-traces.ts";

/**
 * Each line: level, message, timestamp, the Lambda request id (`requestId`) and `cold_start: true`
 * on a cold start's lines, then the keys the handlers add (API Gateway's request id and the
 * arrival's id on the receive functions). Powertools' other keys are left out: the service, the
 * function's name, ARN and memory size are the same on every line of a log group, and there is no
 * sampling or X-Ray tracing to report. Errors are logged with their stacks in terms of the
 * TypeScript sources (functions/stack-traces.ts).
 */
export class LeanLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        requestId: context?.awsRequestId,
        ...(context?.coldStart ? { cold_start: true } : {}),
      },
    }).addAttributes(additionalLogAttributes);
  }

  override formatError(error: Error): LogAttributes {
    // The cause, if an Error, comes back here through Powertools' own formatError.
    const formatted = super.formatError(error);
    const stack = sourceMappedStack(error.stack);
    if (stack !== error.stack) {
      formatted.location = this.getCodeLocation(stack);
      formatted.stack = stack;
    }
    return formatted;
  }
}

export const logger = new Logger({
  serviceName: serviceName(),
  logLevel: upper(logLevel()),
  logFormatter: new LeanLogFormatter(),
});

/** Applies the level a function's configuration reader checked. */
export function useLogLevel(level: LogLevel): void {
  logger.setLogLevel(upper(level));
}

function upper(level: LogLevel) {
  return level.toUpperCase() as Uppercase<LogLevel>;
}

/**
 * A function's metrics: one per handler module, so that each function's documents carry its own
 * dimensions even where several functions share a process (the local stack). `emf` goes to the
 * `logMetrics` middleware, which writes one document per invocation.
 */
export function functionMetrics(defaultDimensions: Record<string, string> = {}) {
  const emf = new Metrics({
    namespace: metricNames.namespace,
    serviceName: serviceName(),
    defaultDimensions,
    logger: metricsNotices,
  });
  return {
    emf,
    count: (name: MetricName, value = 1) => emf.addMetric(name, MetricUnit.Count, value),
    seconds: (name: MetricName, seconds: number) => emf.addMetric(name, MetricUnit.Seconds, seconds),
  };
}

export type FunctionMetrics = ReturnType<typeof functionMetrics>;

/**
 * What Metrics has to say goes through the logger, as JSON, except its notice that an invocation
 * counted nothing: an SQS redelivery that changes nothing is a normal invocation, not a warning.
 */
const metricsNotices = {
  debug: (message: string) => logger.debug(message),
  info: (message: string) => logger.info(message),
  warn: (message: string) => {
    if (!message.startsWith("No application metrics to publish")) logger.warn(message);
  },
  error: (message: string) => logger.error(message),
};

/** Keeps the country code and last two digits: enough to tell numbers apart in a log, not to call one. */
export function maskPhone(phone: string | undefined): string | undefined {
  if (!phone) return phone;
  const digits = phone.replace(/\D/g, "");
  if (digits.length <= 4) return "*".repeat(digits.length);
  return `${phone.startsWith("+") ? "+" : ""}${digits.slice(0, 2)}${"*".repeat(digits.length - 4)}${digits.slice(-2)}`;
}

/**
 * A value a caller chose (an id, an error code), cut so that it takes at most `maxBytes` bytes in a
 * JSON line, escapes included; a cut value ends in "…".
 */
export function clip(value: string, maxBytes: number): string;
export function clip(value: string | undefined, maxBytes: number): string | undefined;
export function clip(value: string | undefined, maxBytes: number): string | undefined {
  if (value === undefined || jsonBytes(value) <= maxBytes) return value;
  const budget = maxBytes - jsonBytes("…");
  let kept = "";
  let bytes = 0;
  for (const character of value) {
    bytes += jsonBytes(character);
    if (bytes > budget) break;
    kept += character;
  }
  return `${kept}…`;
}

/** UTF-8 bytes of the value inside a JSON string (quotes not counted). */
const jsonBytes = (value: string) => Buffer.byteLength(JSON.stringify(value), "utf8") - 2;
