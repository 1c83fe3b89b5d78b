/**
 * What a million inbound SMS (and a tenth as many retries) cost on AWS, from what the bench
 * measured, priced at us-east-1 list prices; the same sum for ours and for the floor.
 *
 * Pure: test/unit/bench-cost-model.test.ts pins it.
 */

/**
 * us-east-1 list prices, on-demand, without free tiers or volume discounts beyond the first tier.
 * As published on the pages below and known on 2026-11-25 (the latest changes they include: DynamoDB
 * on-demand throughput halved on 2024-11-01; Lambda logs priced as vended logs, first tier unchanged,
 * from 2025-05-01). Check them there before quoting a figure.
 */
export const prices = {
  asOf: "2026-11-25",
  region: "us-east-1",
  /** aws.amazon.com/lambda/pricing: Arm, first 7.5 billion GB-seconds a month. */
  lambdaArmPerGbSecond: 0.0000133334,
  /** aws.amazon.com/lambda/pricing */
  lambdaPerRequest: 0.2 / 1e6,
  /** aws.amazon.com/sqs/pricing: standard queue, after the first million a month; each 64 KB chunk of a payload is a request. */
  sqsPerRequest: 0.4 / 1e6,
  /** aws.amazon.com/dynamodb/pricing/on-demand: Standard table class. */
  dynamoDbPerWru: 0.625 / 1e6,
  dynamoDbPerRru: 0.125 / 1e6,
  /** aws.amazon.com/cloudwatch/pricing: Logs, Standard class ingestion (Lambda logs' first tier, first 10 TB a month). */
  logsPerGbIngested: 0.5,
  /** aws.amazon.com/sns/pricing: standard topics, after the first million a month; each 64 KB chunk of a publish is a request. */
  snsPerRequest: 0.5 / 1e6,
  /** aws.amazon.com/api-gateway/pricing: HTTP API, first 300 million a month, per 512 KB request. */
  httpApiPerRequest: 1.0 / 1e6,
} as const;

export type Prices = typeof prices;

/** What the bench cannot measure locally, stated. */
export const assumptions = {
  messages: 1_000_000,
  /** Of `messages`, arriving once more (ToBeText's retries, inside the dedupe window). */
  retryShare: 0.1,
  /** The functions' memory (infra/topology.ts functionDefaults). */
  memoryMb: 512,
  /**
   * Lambda gives CPU in proportion to memory, one full vCPU at 1,769 MB: CPU time measured on one
   * core here takes 1,769 / 512 times as long at 512 MB (a core here is taken as one Lambda vCPU).
   */
  cpuShare: 512 / 1769,
  /** In-region round trip of one DynamoDB GetItem or PutItem from Lambda ("single-digit milliseconds"). */
  dynamoDbRequestMs: 5,
  /** In-region round trip of one SQS SendMessage from Lambda. */
  sqsSendMs: 10,
  /** In-region round trip of one SNS Publish from Lambda. */
  snsPublishMs: 10,
  /**
   * Records per processor invocation: at SMS volumes, with no batching window, a batch is one
   * message. The event source mapping then makes one ReceiveMessage and one DeleteMessageBatch per
   * batch (its empty polls cost the same whatever the code, and are left out).
   */
  recordsPerBatch: 1,
  /**
   * Lambda's own lines per invocation in the function's log group (text format): START, END and
   * REPORT with a request id, durations and memory, about 270 bytes together.
   */
  platformLogBytesPerInvocation: 270,
} as const;

export type Assumptions = typeof assumptions;

/** What one arrival (a delivery of an SMS) costs, as the bench measured it, for ours or the floor. */
export interface ArrivalProfile {
  receive: { cpuMs: number; sqsSends: number; sqsBilledRequests: number };
  processor: { cpuMs: number; dynamoDbRequests: number; snsPublishes: number; snsBilledRequests: number };
  dynamoDb: { wru: number; rru: number };
  /** Bytes the functions write to their logs (application lines and metric documents). */
  logBytes: number;
}

export const costComponents = [
  "API Gateway requests",
  "Lambda requests",
  "Lambda duration",
  "SQS requests",
  "SNS publishes",
  "DynamoDB writes (WRU)",
  "DynamoDB reads (RRU)",
  "CloudWatch Logs ingestion",
] as const;

export type CostComponent = (typeof costComponents)[number];
export type Cost = Record<CostComponent, number> & { total: number };

/** Billed milliseconds of one invocation: its CPU time at the function's share of a vCPU, plus its round trips' time, rounded up. */
export function billedMs(cpuMs: number, roundTripsMs: number, cpuShare: number): number {
  return Math.ceil(cpuMs / cpuShare + roundTripsMs);
}

/** USD for one arrival. */
export function arrivalCost(profile: ArrivalProfile, price: Prices = prices, assume: Assumptions = assumptions): Cost {
  const gb = assume.memoryMb / 1024;
  const perBatch = 1 / assume.recordsPerBatch;
  const receiveMs = billedMs(profile.receive.cpuMs, profile.receive.sqsSends * assume.sqsSendMs, assume.cpuShare);
  const processorMs = billedMs(
    profile.processor.cpuMs,
    profile.processor.dynamoDbRequests * assume.dynamoDbRequestMs +
      profile.processor.snsPublishes * assume.snsPublishMs,
    assume.cpuShare,
  );
  const invocations = 1 + perBatch;
  const cost: Record<CostComponent, number> = {
    "API Gateway requests": price.httpApiPerRequest,
    "Lambda requests": invocations * price.lambdaPerRequest,
    "Lambda duration": ((receiveMs + processorMs) / 1000) * gb * price.lambdaArmPerGbSecond,
    "SQS requests": (profile.receive.sqsBilledRequests + 2 * perBatch) * price.sqsPerRequest,
    "SNS publishes": profile.processor.snsBilledRequests * price.snsPerRequest,
    "DynamoDB writes (WRU)": profile.dynamoDb.wru * price.dynamoDbPerWru,
    "DynamoDB reads (RRU)": profile.dynamoDb.rru * price.dynamoDbPerRru,
    "CloudWatch Logs ingestion":
      ((profile.logBytes + invocations * assume.platformLogBytesPerInvocation) / 2 ** 30) * price.logsPerGbIngested,
  };
  return { ...cost, total: sum(Object.values(cost)) };
}

/** USD for `messages` new SMS and `retryShare` of them again. */
export function costPerMillion(
  newSms: ArrivalProfile,
  retry: ArrivalProfile,
  price: Prices = prices,
  assume: Assumptions = assumptions,
): Cost {
  const once = arrivalCost(newSms, price, assume);
  const again = arrivalCost(retry, price, assume);
  const cost = Object.fromEntries(
    costComponents.map((component) => [
      component,
      assume.messages * once[component] + assume.messages * assume.retryShare * again[component],
    ]),
  ) as Record<CostComponent, number>;
  return { ...cost, total: sum(Object.values(cost)) };
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
