/**
 * Logs and metrics, with the field's libraries: Powertools Logger (JSON lines with the Lambda
 * request id; the handlers add API Gateway's) and Metrics (CloudWatch embedded metric format, one
 * document per invocation, flushed by the `logMetrics` middleware). Measured cost on this
 * project's bundles: +1.4 ms import and +34 KiB for a receive function, +1.7 ms and +40 KiB for a
 * processor (README "Benchmarks").
 *
 * Phone numbers and message text are personal data: `maskPhone` / `describeText` them before
 * logging at info level; raw values go in debug entries only.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logLevel, serviceName } from "./config/settings.ts";
import { type LogLevel, type MetricName, metrics as metricNames } from "./contract.ts";

export const logger = new Logger({ serviceName: serviceName(), logLevel: upper(logLevel()) });

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

/** Length only: message text never reaches an info-level log. */
export function describeText(text: string | undefined): { length: number } {
  return { length: text?.length ?? 0 };
}
