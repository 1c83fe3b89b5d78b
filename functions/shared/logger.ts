/**
 * The one logger and metrics module: structured JSON lines on stdout, which Lambda ships to
 * CloudWatch Logs. Phone numbers and message text are personal data; call `maskPhone` /
 * `describeText` before logging them at info level, and put raw values only in debug entries.
 */
import { logLevels, metrics, settingNames } from "../contract.ts";
import { oneOfSetting } from "./settings.ts";

export type LogLevel = (typeof logLevels)[number];

const threshold = logLevels.indexOf(oneOfSetting(settingNames.logLevel, logLevels, "info"));

export type LogFields = Record<string, unknown>;

function write(level: Exclude<LogLevel, "silent">, message: string, fields: LogFields): void {
  if (logLevels.indexOf(level) < threshold) return;
  const entry = { level, message, time: new Date().toISOString(), ...fields };
  const line = JSON.stringify(entry, (_key, value) => (value instanceof Error ? describeError(value) : value));
  if (level === "error" || level === "warn") process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
}

function describeError(error: Error): LogFields {
  return { name: error.name, message: error.message, stack: error.stack };
}

export const logger = {
  debug: (message: string, fields: LogFields = {}) => write("debug", message, fields),
  info: (message: string, fields: LogFields = {}) => write("info", message, fields),
  warn: (message: string, fields: LogFields = {}) => write("warn", message, fields),
  error: (message: string, fields: LogFields = {}) => write("error", message, fields),
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

export type MetricName = (typeof metrics.names)[keyof typeof metrics.names];

export interface MetricOptions {
  value?: number;
  unit?: "Count" | "Seconds";
  /** Besides `service`, which every metric carries. */
  dimensions?: Record<string, string>;
}

const metricsService = process.env[metrics.serviceSetting] ?? "local";

/**
 * CloudWatch embedded metric format: one log line that CloudWatch turns into a metric, without
 * an API call on the request path.
 */
export function emitMetric(name: MetricName, { value = 1, unit = "Count", dimensions = {} }: MetricOptions = {}): void {
  if (process.env.METRICS_DISABLED === "true") return;
  const allDimensions = { service: metricsService, ...dimensions };
  const line = {
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        {
          Namespace: metrics.namespace,
          Dimensions: [Object.keys(allDimensions)],
          Metrics: [{ Name: name, Unit: unit }],
        },
      ],
    },
    ...allDimensions,
    [name]: value,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
