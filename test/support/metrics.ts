/**
 * The CloudWatch EMF documents functions write to stdout, read back by metric name. Powertools
 * Metrics writes one document per flush (the `logMetrics` middleware flushes once per invocation;
 * without middy, `metrics.publishStoredMetrics()` does), holding every metric of that invocation.
 *
 * Metrics are on only if POWERTOOLS_METRICS_DISABLED is "false" when functions/observability.ts is
 * first imported (the test configuration turns them off): a test file that reads them sets it in
 * `vi.hoisted`, before its imports run.
 */
import { type MockInstance, vi } from "vitest";

export interface MetricCapture {
  /** Every value emitted for `name` so far, one entry per value, with the dimensions it carried. */
  values(name: string): { value: number; dimensions: Record<string, string> }[];
  restore(): void;
}

interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
  };
  [key: string]: unknown;
}

/** Records what is written to stdout until `restore`. */
export function captureMetrics(): MetricCapture {
  const chunks: string[] = [];
  const spy: MockInstance = vi.spyOn(process.stdout, "write").mockImplementation((chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  });
  const documents = () =>
    chunks
      .join("")
      .split("\n")
      .filter((line) => line.includes('"CloudWatchMetrics"'))
      .map((line) => JSON.parse(line) as EmfDocument);
  return {
    values(name) {
      return documents().flatMap((document) => {
        const [directive] = document._aws.CloudWatchMetrics;
        if (!directive?.Metrics.some((metric) => metric.Name === name)) return [];
        const dimensions = Object.fromEntries(
          (directive.Dimensions[0] ?? []).map((dimension) => [dimension, String(document[dimension])]),
        );
        // A metric added more than once in one invocation is written as an array of its values.
        const value = document[name] as number | number[];
        return (Array.isArray(value) ? value : [value]).map((each) => ({ value: each, dimensions }));
      });
    },
    restore() {
      spy.mockRestore();
    },
  };
}
