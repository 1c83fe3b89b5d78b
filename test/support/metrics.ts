/** The CloudWatch EMF lines functions write to stdout, read back by metric name. */
import { type MockInstance, vi } from "vitest";

export interface MetricCapture {
  /** Every value emitted for `name` so far, with the dimensions it carried. */
  values(name: string): { value: number; dimensions: Record<string, string> }[];
  restore(): void;
}

/** Turns metrics on (the test config turns them off) and records them until `restore`. */
export function captureMetrics(): MetricCapture {
  const disabled = process.env.METRICS_DISABLED;
  process.env.METRICS_DISABLED = "false";
  const lines: string[] = [];
  const spy: MockInstance = vi.spyOn(process.stdout, "write").mockImplementation((chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  });
  return {
    values(name) {
      return lines
        .flatMap((chunk) => chunk.split("\n"))
        .filter((line) => line.includes('"CloudWatchMetrics"'))
        .map((line) => JSON.parse(line) as Record<string, unknown> & { _aws: { CloudWatchMetrics: unknown[] } })
        .filter((document) => typeof document[name] === "number")
        .map((document) => {
          const { _aws, [name]: value, ...dimensions } = document;
          return { value: value as number, dimensions: dimensions as Record<string, string> };
        });
    },
    restore() {
      spy.mockRestore();
      process.env.METRICS_DISABLED = disabled;
    },
  };
}
