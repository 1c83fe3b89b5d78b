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

export const metrics = new Metrics({ namespace: metricNames.namespace, serviceName: serviceName() });

/** Adds to this invocation's metrics document. */
export function countMetric(name: MetricName, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

export function secondsMetric(name: MetricName, seconds: number): void {
  metrics.addMetric(name, MetricUnit.Seconds, seconds);
}

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
