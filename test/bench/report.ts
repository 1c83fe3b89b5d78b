/**
 * The bench's figures as Markdown, each beside its floor (measured in the same run) and the ratio of
 * the two: what `npm run bench` prints and writes to test/bench/figures.md.
 */
import { type ArrivalProfile, assumptions, type Cost, costComponents, costPerMillion, prices } from "./cost-model.ts";
import type { BenchFigures, DynamoDbFigures, LogFigures, Scenario } from "./results.ts";

export interface RunInfo {
  date: string;
  machine: string;
  node: string;
  settings: string;
}

const number = (value: number, digits = 2) =>
  Number.isInteger(value) ? value.toLocaleString("en-US") : Number(value.toFixed(digits)).toLocaleString("en-US");
const bytes = (value: number) => Math.round(value).toLocaleString("en-US");
const kib = (value: number) => (value / 1024).toFixed(0);
const ms = (value: number) => value.toFixed(1);
const ratio = (ours: number, floor: number) =>
  floor > 0 ? `${(ours / floor).toFixed(1)}×` : ours > 0 ? "∞ (floor 0)" : "—";
const paired = (
  figure: { median: number; p25: number; p75: number } | undefined,
  at: "median" | "p25" | "p75" = "median",
) => (figure ? `${figure[at].toFixed(2)}×` : "—");
const usd = (value: number) => `$${value < 10 ? value.toFixed(3) : value.toFixed(2)}`;
const table = (header: string[], rows: (string | number)[][]) =>
  [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");

/** How many units (messages, bursts) a scenario's totals are for. */
const units = (scenario: Scenario) => scenario.arrivals / scenario.per.arrivals;
const perUnit = (scenario: Scenario, total: number) => total / units(scenario);
const perArrival = (scenario: Scenario, total: number) => total / scenario.arrivals;
const operations = (figures: DynamoDbFigures, divisor: number) =>
  Object.entries(figures.requests)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([operation, count]) => `${operation} ${number(count / divisor)}`)
    .join(", ");
const logTotal = (logs: { receive: LogFigures; processor: LogFigures }) => ({
  lines: logs.receive.appLines + logs.receive.emfLines + logs.processor.appLines + logs.processor.emfLines,
  bytes: logs.receive.appBytes + logs.receive.emfBytes + logs.processor.appBytes + logs.processor.emfBytes,
});

export function profiles(figures: BenchFigures): {
  ours: { newSms: ArrivalProfile; retry: ArrivalProfile };
  floor: { newSms: ArrivalProfile; retry: ArrivalProfile };
  /** The floor before the product published events: no Publish, and its processor's CPU without one. */
  floorWithoutEvents: { newSms: ArrivalProfile; retry: ArrivalProfile };
} {
  const scenario = (id: Scenario["id"]) => {
    const found = figures.pipeline.scenarios.find((each) => each.id === id);
    if (!found) throw new Error(`no figures for scenario ${id}`);
    return found;
  };
  const ours = (id: "new-sms" | "retry", cpu: "New" | "Retry"): ArrivalProfile => {
    const measured = scenario(id);
    const per = (total: number) => perArrival(measured, total);
    return {
      receive: {
        cpuMs: figures.cpu[`receive${cpu}`].ours.cpuMs,
        sqsSends: per(measured.ours.sqs.sendRequests),
        sqsBilledRequests: per(measured.ours.sqs.billedRequests),
      },
      processor: {
        cpuMs: figures.cpu[`processor${cpu}`].ours.cpuMs,
        dynamoDbRequests: per(measured.ours.dynamoDb.requestsTotal),
        snsPublishes: per(measured.ours.sns.publishRequests),
        snsBilledRequests: per(measured.ours.sns.billedRequests),
      },
      dynamoDb: { wru: per(measured.ours.dynamoDb.wru), rru: per(measured.ours.dynamoDb.rru) },
      logBytes: per(logTotal(measured.ours.logs).bytes),
    };
  };
  const floor = (id: "new-sms" | "retry", cpu: "New" | "Retry", events = true): ArrivalProfile => {
    const measured = scenario(id);
    const per = (total: number) => perArrival(measured, total);
    const publishes = events ? per(measured.floor.snsPublishes) : 0;
    return {
      receive: {
        cpuMs: figures.cpu[`receive${cpu}`].floor.cpuMs,
        sqsSends: per(measured.floor.sqsSends),
        sqsBilledRequests: per(measured.floor.sqsSends),
      },
      processor: {
        cpuMs: figures.cpu[`processor${cpu}`][events ? "floor" : "floorWithoutEvents"].cpuMs,
        dynamoDbRequests: per(measured.floor.dynamoDb.requestsTotal),
        snsPublishes: publishes,
        snsBilledRequests: publishes,
      },
      dynamoDb: { wru: per(measured.floor.dynamoDb.wru), rru: per(measured.floor.dynamoDb.rru) },
      logBytes: per(measured.floor.logBytes),
    };
  };
  return {
    ours: { newSms: ours("new-sms", "New"), retry: ours("retry", "Retry") },
    floor: { newSms: floor("new-sms", "New"), retry: floor("retry", "Retry") },
    floorWithoutEvents: { newSms: floor("new-sms", "New", false), retry: floor("retry", "Retry", false) },
  };
}

export function renderReport(figures: BenchFigures, run: RunInfo): string {
  const { pipeline, cpu, coldStart, throughput } = figures;
  const sections: string[] = [];
  const add = (...parts: string[]) => sections.push(parts.join("\n\n"));

  add(
    "# Benchmark figures",
    [
      `Written by \`npm run bench\` (test/bench/run.ts) on ${run.date}: ${run.machine}, Node ${run.node}; DynamoDB stand-in ${pipeline.dynamoDbTarget} for the costs per message, ${throughput.dynamoDbTarget} for throughput; ${run.settings}.`,
      "Every figure stands beside its **floor**, measured in the same run: the same AWS parts doing the least",
      "possible work (one conditional PutItem per arrival of the same item, in a table without indexes; one",
      "SendMessage; one Publish per SMS stored, the least the events feature costs; one log line), and the",
      "ratio ours / floor. Where the Publish weighs, the floor without it (before the product published",
      "events) stands beside. Counts (requests, capacity units, bytes) depend only on the code; times vary",
      "from run to run and machine to machine.",
    ].join("\n"),
  );

  // ---- cost ----
  const profile = profiles(figures);
  const ours = costPerMillion(profile.ours.newSms, profile.ours.retry);
  const floor = costPerMillion(profile.floor.newSms, profile.floor.retry);
  const floorWithoutEvents = costPerMillion(profile.floorWithoutEvents.newSms, profile.floorWithoutEvents.retry);
  const costRow = (name: string, component: keyof Cost) => [
    name,
    usd(ours[component]),
    usd(floor[component]),
    ratio(ours[component], floor[component]),
  ];
  add(
    `## Cost of ${number(assumptions.messages)} inbound SMS plus ${assumptions.retryShare * 100}% retries (${prices.region} list prices)`,
    table(
      ["", "Ours", "Floor", "Ratio"],
      [
        ...costComponents.map((component) => costRow(component, component)),
        costRow("**Total**", "total"),
        [
          "Total beside the floor without events",
          usd(ours.total),
          usd(floorWithoutEvents.total),
          ratio(ours.total, floorWithoutEvents.total),
        ],
      ],
    ),
    [
      `Prices (${prices.region}, as of ${prices.asOf}; test/bench/cost-model.ts names the pages): Lambda Arm`,
      `$${prices.lambdaArmPerGbSecond} per GB-second and $${number(prices.lambdaPerRequest * 1e6)} per million requests;`,
      `SQS $${number(prices.sqsPerRequest * 1e6)} per million requests (64 KB chunks); DynamoDB on demand`,
      `$${number(prices.dynamoDbPerWru * 1e6, 3)} per million WRU and $${number(prices.dynamoDbPerRru * 1e6, 3)} per million RRU;`,
      `SNS $${number(prices.snsPerRequest * 1e6)} per million publish requests (64 KB chunks); CloudWatch Logs $${number(prices.logsPerGbIngested)} per GB ingested;`,
      `API Gateway HTTP API $${number(prices.httpApiPerRequest * 1e6)} per million requests.`,
      `Assumed, not measured: ${assumptions.memoryMb} MB functions get ${(assumptions.cpuShare * 100).toFixed(0)}% of a vCPU (a core here taken`,
      `as one vCPU), so billed time is the CPU time measured below / ${assumptions.cpuShare.toFixed(3)}, plus ${assumptions.dynamoDbRequestMs} ms per DynamoDB`,
      `request, ${assumptions.sqsSendMs} ms per SQS send and ${assumptions.snsPublishMs} ms per SNS publish, rounded up to the millisecond; ${assumptions.recordsPerBatch} record per processor`,
      "invocation (SMS volumes, no batching window), so one ReceiveMessage and one DeleteMessageBatch per message;",
      `${assumptions.platformLogBytesPerInvocation} bytes of Lambda's START/END/REPORT lines per invocation. Free tiers, storage, KMS`,
      "(the topic's key: SNS reuses its data keys), Secrets Manager, the event source mapping's empty polls and",
      "what subscribers pay for the events they take are left out (alike for both).",
    ].join("\n"),
  );

  // ---- DynamoDB ----
  const scenarios = pipeline.scenarios;
  add(
    "## DynamoDB per message, by scenario",
    table(
      [
        "Scenario",
        "Per",
        "Requests",
        "Floor",
        "Ratio",
        "WRU (of which indexes)",
        "Floor",
        "Ratio",
        "RRU",
        "Floor",
        "$ per million",
        "Floor",
        "Ratio",
        "Conditional writes refused",
      ],
      scenarios.map((scenario) => {
        const o = scenario.ours.dynamoDb;
        const f = scenario.floor.dynamoDb;
        const u = (total: number) => number(perUnit(scenario, total));
        const dollars = (figures: DynamoDbFigures) =>
          perUnit(scenario, figures.wru * prices.dynamoDbPerWru + figures.rru * prices.dynamoDbPerRru) * 1e6;
        return [
          scenario.title,
          scenario.per.unit,
          `${u(o.requestsTotal)} (${operations(o, units(scenario))})`,
          u(f.requestsTotal),
          ratio(o.requestsTotal, f.requestsTotal),
          `${u(o.wru)} (${u(o.wruIndexes)})`,
          u(f.wru),
          ratio(o.wru, f.wru),
          u(o.rru),
          u(f.rru),
          usd(dollars(o)),
          usd(dollars(f)),
          ratio(dollars(o), dollars(f)),
          `${u(o.conditionFailures)} (floor ${u(f.conditionFailures)})`,
        ];
      }),
    ),
    [
      `Measured through the local pipeline (${pipeline.messagesPerScenario} messages a scenario, one at a time; ${pipeline.burstGroups}`,
      "bursts), by a proxy between the functions and DynamoDB that prices each call by DynamoDB's rules",
      "(test/bench/capacity.ts): a write 1 WRU per KB of the larger of the item before and after it, plus the",
      "same for each index whose entry changes; a refused conditional write the existing item's size, at",
      "least 1; a strongly consistent read 1 RRU per 4 KB, an eventually consistent one half. $ per million:",
      `the WRU and RRU of a million of them at on-demand prices (${prices.region}).`,
      `The SMS: \`${pipeline.sms}\`; the callback: \`${pipeline.callback}\`.`,
      "The redelivery is the very envelope the receive function queued for a new SMS, queued again.",
    ].join("\n"),
  );

  add(
    "## Item size after N arrivals of one SMS",
    table(
      [
        "Arrivals",
        "Record (largest item)",
        "Items written for it",
        "Their bytes",
        "That arrival: requests",
        "WRU",
        "RRU",
        "Floor record",
        "Floor WRU",
      ],
      pipeline.growth.map((growth) => [
        number(growth.arrivals),
        `${bytes(growth.largestItem.bytes)} B (${growth.largestItem.table})`,
        number(growth.itemsWritten),
        `${bytes(growth.itemsBytes)} B`,
        number(growth.arrival.requestsTotal),
        number(growth.arrival.wru),
        number(growth.arrival.rru),
        `${bytes(pipeline.growthFloorItemBytes)} B`,
        number(Math.max(1, Math.ceil(pipeline.growthFloorItemBytes / 1024))),
      ]),
    ),
    "Arrivals one after another, each processed before the next. The floor's record is written once and never grows; each later arrival is one refused conditional put of it.",
  );

  // ---- SQS and SNS ----
  add(
    "## SQS and SNS per message",
    table(
      [
        "Scenario",
        "Per",
        "SendMessage requests",
        "Billed (64 KB chunks)",
        "Bytes queued",
        "Floor sends",
        "SNS publishes",
        "Billed (64 KB chunks)",
        "Bytes published",
        "Floor publishes",
      ],
      scenarios.map((scenario) => [
        scenario.title,
        scenario.per.unit,
        number(perUnit(scenario, scenario.ours.sqs.sendRequests)),
        number(perUnit(scenario, scenario.ours.sqs.billedRequests)),
        bytes(perUnit(scenario, scenario.ours.sqs.bytes)),
        number(perUnit(scenario, scenario.floor.sqsSends)),
        number(perUnit(scenario, scenario.ours.sns.publishRequests)),
        number(perUnit(scenario, scenario.ours.sns.billedRequests)),
        bytes(perUnit(scenario, scenario.ours.sns.bytes)),
        number(perUnit(scenario, scenario.floor.snsPublishes)),
      ]),
    ),
    [
      "What the functions send and publish; the event source mapping's ReceiveMessage and DeleteMessageBatch",
      'are alike for ours and the floor (see the cost model). SNS: the events (README "Events"); a status',
      "callback with no sent message behind it, as here, announces nothing.",
    ].join("\n"),
  );

  // ---- logs ----
  const logRows = scenarios.flatMap((scenario) => {
    const row = (name: string, logs: LogFigures) => [
      "",
      name,
      number(perUnit(scenario, logs.appLines)),
      bytes(perUnit(scenario, logs.appBytes)),
      number(perUnit(scenario, logs.emfLines)),
      bytes(perUnit(scenario, logs.emfBytes)),
      "",
      "",
    ];
    const total = logTotal(scenario.ours.logs);
    return [
      [
        `${scenario.title} (per ${scenario.per.unit})`,
        "**all**",
        number(perUnit(scenario, scenario.ours.logs.receive.appLines + scenario.ours.logs.processor.appLines)),
        bytes(perUnit(scenario, scenario.ours.logs.receive.appBytes + scenario.ours.logs.processor.appBytes)),
        number(perUnit(scenario, scenario.ours.logs.receive.emfLines + scenario.ours.logs.processor.emfLines)),
        bytes(perUnit(scenario, scenario.ours.logs.receive.emfBytes + scenario.ours.logs.processor.emfBytes)),
        `${number(perUnit(scenario, scenario.floor.logLines))} ${perUnit(scenario, scenario.floor.logLines) === 1 ? "line" : "lines"}, ${bytes(perUnit(scenario, scenario.floor.logBytes))} B`,
        `${ratio(total.lines, scenario.floor.logLines)} lines, ${ratio(total.bytes, scenario.floor.logBytes)} bytes`,
      ],
      row("receive", scenario.ours.logs.receive),
      row("processor", scenario.ours.logs.processor),
    ];
  });
  add(
    "## Logs per message at info",
    table(
      ["Scenario", "Function", "Application lines", "Bytes", "Metric documents (EMF)", "Bytes", "Floor", "Ratio"],
      logRows,
    ),
    [
      "What the functions write to stdout and stderr with LOG_LEVEL=info and metrics on, told apart by the",
      "function that wrote it. The floor: one JSON line per message with what an operator needs to trace",
      `it, the message id and the outcome, and no metrics: \`${pipeline.floorLogLine}\`.`,
    ].join("\n"),
  );

  // ---- CPU ----
  const cpuRow = (
    name: string,
    timing: BenchFigures["cpu"]["receiveNew"] & { floorWithoutEvents?: BenchFigures["cpu"]["receiveNew"]["floor"] },
  ) => [
    name,
    ms(timing.ours.cpuMs),
    ms(timing.floor.cpuMs),
    ratio(timing.ours.cpuMs, timing.floor.cpuMs),
    timing.floorWithoutEvents
      ? `${ms(timing.floorWithoutEvents.cpuMs)} (${ratio(timing.ours.cpuMs, timing.floorWithoutEvents.cpuMs)})`
      : "",
    ms(timing.ours.wallMs),
    ms(timing.floor.wallMs),
  ];
  add(
    "## CPU per message",
    table(
      [
        "Function",
        "CPU ms per message",
        "Floor",
        "Ratio",
        "Floor without events (ratio)",
        "Wall ms (local stand-ins)",
        "Floor",
      ],
      [
        cpuRow("inbound SMS receiver, new SMS", cpu.receiveNew),
        cpuRow("inbound SMS receiver, retry", cpu.receiveRetry),
        cpuRow("inbound processor, new SMS", cpu.processorNew),
        cpuRow("inbound processor, retry", cpu.processorRetry),
      ],
    ),
    [
      `Each handler invoked ${number(cpu.invocations)} times in one process (after ${cpu.warmUp} to warm up), one request or one`,
      "SQS record at a time, against DynamoDB, SQS and SNS in another process; process CPU time (user + system),",
      "SDK calls included. The floors: test/bench/floor/receive.ts (one SendMessage) and",
      "test/bench/floor/processor.ts (one conditional PutItem per record, one Publish per new one, one log",
      "line); without events, the same with no Publish.",
    ].join("\n"),
  );

  // ---- cold start ----
  const byId = new Map(coldStart.handlers.map((handler) => [handler.id, handler]));
  add(
    "## Cold start",
    table(
      [
        "Function",
        "Bundle KiB",
        "Import ms",
        "As deployed ms (source maps)",
        "Source maps add",
        "Floor",
        "Floor bundle KiB",
        "Floor import ms",
        "Floor as deployed ms",
        "Ratio bundle",
        "Ratio import, paired (as deployed, middle half of rounds)",
      ],
      coldStart.handlers
        .filter((handler) => handler.floor !== "")
        .map((handler) => {
          const floorOf = byId.get(handler.floor);
          if (!floorOf) throw new Error(`no floor ${handler.floor}`);
          return [
            handler.id,
            kib(handler.plain.bundleBytes),
            ms(handler.plain.importMs.median),
            ms(handler.deployed.importMs.median),
            `${ms(handler.deployed.importMs.median - handler.plain.importMs.median)} ms (map ${kib(handler.deployed.mapBytes)} KiB)`,
            handler.floor,
            kib(floorOf.plain.bundleBytes),
            ms(floorOf.plain.importMs.median),
            ms(floorOf.deployed.importMs.median),
            ratio(handler.plain.bundleBytes, floorOf.plain.bundleBytes),
            `${paired(handler.plain.ratioToFloor)} (${paired(handler.deployed.ratioToFloor)}, ${paired(handler.deployed.ratioToFloor, "p25")}–${paired(handler.deployed.ratioToFloor, "p75")})`,
          ];
        }),
    ),
    [
      `Each bundled as the stack bundles it (infra/bundling.ts) and imported by a fresh Node process, ${coldStart.runs} times, every bundle once a round`,
      "(median). The import ratio is paired: ours / the floor within each round, then the median of the rounds (and, as",
      "deployed, the middle half of them), steadier than the ratio of the medians when the machine's pace drifts.",
      "As deployed: bundled with its source map beside it (sourcesContent off), as",
      "infra/constructs/receiver-function.ts deploys it (the map is read when an error is logged, not at load). The floors: the SQS client",
      "alone (receivers), the DynamoDB and SNS clients alone (processors), bundled with the same settings.",
    ].join("\n"),
  );

  // ---- throughput ----
  add(
    "## Throughput and latency",
    table(
      ["Figure", "Measured"],
      [
        [
          "acknowledgement latency, ms",
          `p50 ${ms(throughput.latencyMs.p50)}, p95 ${ms(throughput.latencyMs.p95)}, p99 ${ms(throughput.latencyMs.p99)}, max ${ms(throughput.latencyMs.max)}`,
        ],
        ["non-200 answers", `${number(throughput.non200)} of ${number(throughput.requests)}`],
        [
          "acknowledged",
          `${number(throughput.requests)} requests in ${throughput.acknowledgedSeconds.toFixed(1)} s (${(throughput.requests / throughput.acknowledgedSeconds).toFixed(0)}/s)`,
        ],
        [
          "stored",
          `${number(throughput.records)} records, ${number(throughput.deliveriesCounted)} deliveries counted, ${throughput.storedSeconds.toFixed(1)} s after the first request`,
        ],
        [
          "memory (the one process running everything)",
          `rss ${throughput.memoryMiB.rss.toFixed(0)} MiB, heap used ${throughput.memoryMiB.heapUsed.toFixed(0)} MiB`,
        ],
      ],
    ),
    `${number(throughput.messages)} messages, each delivered ${throughput.deliveriesPerMessage} times, ${throughput.concurrency} at a time, through the whole local pipeline (local stand-ins, not AWS).`,
  );

  const checks = [...pipeline.checks.errorLines, ...pipeline.checks.unattributedLines];
  if (checks.length > 0) {
    add("## Noticed during the run", checks.map((line) => `- \`${line.replaceAll("`", "'")}\``).join("\n"));
  }
  return `${sections.join("\n\n")}\n`;
}
