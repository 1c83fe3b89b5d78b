import { describe, expect, it } from "vitest";
import {
  type ArrivalProfile,
  arrivalCost,
  assumptions,
  billedMs,
  costComponents,
  costPerMillion,
  prices,
} from "../bench/cost-model.ts";

const profile: ArrivalProfile = {
  receive: { cpuMs: 1, sqsSends: 1, sqsBilledRequests: 1 },
  processor: { cpuMs: 2, dynamoDbRequests: 3, snsPublishes: 1, snsBilledRequests: 2 },
  dynamoDb: { wru: 4, rru: 2 },
  logBytes: 1000,
};

describe("billed duration", () => {
  it("scales CPU time to the function's share of a vCPU, adds the round trips and rounds up", () => {
    expect(billedMs(1, 10, 0.5)).toBe(12);
    expect(billedMs(0.1, 0, 0.5)).toBe(1);
  });
});

describe("the cost of one arrival", () => {
  const cost = arrivalCost(profile);
  const receiveMs = Math.ceil(1 / assumptions.cpuShare + assumptions.sqsSendMs);
  const processorMs = Math.ceil(
    2 / assumptions.cpuShare + 3 * assumptions.dynamoDbRequestMs + assumptions.snsPublishMs,
  );

  it("prices each service from the measured figures", () => {
    expect(cost["API Gateway requests"]).toBeCloseTo(prices.httpApiPerRequest, 15);
    expect(cost["Lambda requests"]).toBeCloseTo(2 * prices.lambdaPerRequest, 15);
    expect(cost["Lambda duration"]).toBeCloseTo(
      ((receiveMs + processorMs) / 1000) * 0.5 * prices.lambdaArmPerGbSecond,
      15,
    );
    // The send, then the event source mapping's receive and delete of a one-record batch.
    expect(cost["SQS requests"]).toBeCloseTo(3 * prices.sqsPerRequest, 15);
    // Billed by the 64 KB chunk, not by the call.
    expect(cost["SNS publishes"]).toBeCloseTo(2 * prices.snsPerRequest, 15);
    expect(cost["DynamoDB writes (WRU)"]).toBeCloseTo(4 * prices.dynamoDbPerWru, 15);
    expect(cost["DynamoDB reads (RRU)"]).toBeCloseTo(2 * prices.dynamoDbPerRru, 15);
    expect(cost["CloudWatch Logs ingestion"]).toBeCloseTo(
      ((1000 + 2 * assumptions.platformLogBytesPerInvocation) / 2 ** 30) * prices.logsPerGbIngested,
      15,
    );
  });

  it("totals its components", () => {
    const sum = costComponents.reduce((total, component) => total + cost[component], 0);
    expect(cost.total).toBeCloseTo(sum, 15);
  });
});

describe("the cost of a million SMS and their retries", () => {
  it("is a million new arrivals and a tenth as many retries, component by component", () => {
    const retry = { ...profile, dynamoDb: { wru: 10, rru: 0 } };
    const million = costPerMillion(profile, retry);
    const once = arrivalCost(profile);
    const again = arrivalCost(retry);
    for (const component of costComponents) {
      expect(million[component]).toBeCloseTo(1e6 * once[component] + 1e5 * again[component], 9);
    }
    expect(million["DynamoDB writes (WRU)"]).toBeCloseTo((4e6 + 1e6) * prices.dynamoDbPerWru, 9);
    expect(million.total).toBeCloseTo(1e6 * once.total + 1e5 * again.total, 9);
  });
});
