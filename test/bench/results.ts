/** The figures each part of the bench writes (`--json`), which run.ts renders. */

export interface ThroughputFigures {
  dynamoDbTarget: string;
  messages: number;
  deliveriesPerMessage: number;
  concurrency: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  requests: number;
  non200: number;
  acknowledgedSeconds: number;
  storedSeconds: number;
  records: number;
  deliveriesCounted: number;
  memoryMiB: { rss: number; heapUsed: number };
}

export interface DynamoDbFigures {
  requests: Record<string, number>;
  requestsTotal: number;
  /** Conditional writes whose condition failed (optimistic-locking retries, duplicates). */
  conditionFailures: number;
  rru: number;
  wru: number;
  /** Of `wru`, what the indexes cost. */
  wruIndexes: number;
}

export interface LogFigures {
  appLines: number;
  appBytes: number;
  /** CloudWatch embedded-metric documents. */
  emfLines: number;
  emfBytes: number;
}

export interface PipelineScenarioFigures {
  dynamoDb: DynamoDbFigures;
  sqs: { sendRequests: number; billedRequests: number; messages: number; bytes: number };
  /** What the functions published to SNS (events). */
  sns: { publishRequests: number; billedRequests: number; messages: number; bytes: number };
  logs: { receive: LogFigures; processor: LogFigures; unattributedLines: number; stderrLines: number };
}

export interface FloorFigures {
  dynamoDb: DynamoDbFigures;
  sqsSends: number;
  /** Publishes of one small message each (a 64 KB chunk: one billed request). */
  snsPublishes: number;
  logLines: number;
  logBytes: number;
  /** The floor's record, in bytes. */
  itemBytes: number;
}

export interface Scenario {
  id: "new-sms" | "retry" | "redelivery" | "burst" | "callback-new" | "callback-repeat";
  title: string;
  /** Deliveries (HTTP requests, or queued envelopes) the totals are for. */
  arrivals: number;
  /** The unit the figures are given per: one arrival, or a burst of them. */
  per: { unit: string; arrivals: number };
  ours: PipelineScenarioFigures;
  floor: FloorFigures;
}

export interface Growth {
  arrivals: number;
  /** The largest item written for the message (its record), and all items written for it. */
  largestItem: { table: string; bytes: number };
  itemsWritten: number;
  itemsBytes: number;
  /** What the N-th arrival cost on its own. */
  arrival: DynamoDbFigures;
}

export interface PipelineFigures {
  dynamoDbTarget: string;
  sms: string;
  callback: string;
  messagesPerScenario: number;
  burstGroups: number;
  floorLogLine: string;
  scenarios: Scenario[];
  growth: Growth[];
  /** The floor's record for the same SMS: written once, never larger. */
  growthFloorItemBytes: number;
  checks: { unattributedLines: string[]; errorLines: string[] };
}

export interface CpuTiming {
  cpuMs: number;
  wallMs: number;
  stdoutBytes: number;
}

export interface CpuFigures {
  invocations: number;
  warmUp: number;
  receiveNew: { ours: CpuTiming; floor: CpuTiming };
  receiveRetry: { ours: CpuTiming; floor: CpuTiming };
  /** `floor` announces each new message with one Publish; `floorWithoutEvents` does not (the floor before events). */
  processorNew: { ours: CpuTiming; floor: CpuTiming; floorWithoutEvents: CpuTiming };
  processorRetry: { ours: CpuTiming; floor: CpuTiming; floorWithoutEvents: CpuTiming };
}

export interface ColdStartMeasured {
  bundleBytes: number;
  importMs: { median: number; min: number; max: number };
  /** Ours / the floor's import, round by round: their median and quartiles (absent for a floor). */
  ratioToFloor?: { median: number; p25: number; p75: number };
}

export interface ColdStartFigures {
  runs: number;
  handlers: {
    id: string;
    /** The id of its floor; empty for a floor. */
    floor: string;
    plain: ColdStartMeasured;
    deployed: ColdStartMeasured & { mapBytes: number };
  }[];
}

export interface BenchFigures {
  throughput: ThroughputFigures;
  pipeline: PipelineFigures;
  cpu: CpuFigures;
  coldStart: ColdStartFigures;
}
