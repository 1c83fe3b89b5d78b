/**
 * `npm start`: the whole pipeline on this machine. Settings come from the environment, as on
 * Lambda (see README "Configuration"), and the local stack's own from settings.ts: PORT and HOST
 * place the HTTP front, DYNAMODB_TARGET picks the DynamoDB stand-in, or DYNAMODB_ENDPOINT names a
 * DynamoDB that already runs (its tables created there if missing). DynamoDB tables (unless at
 * DYNAMODB_ENDPOINT) and SQS queues are kept in .local/, so records and accepted messages not yet
 * processed survive a restart, a Ctrl-C or a crash. One stack per folder.
 */

import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type RouteId, routes, settingNames, type TableId, tables, urlSecretSettings } from "../topology.ts";
import { dynamoDbChoice, dynamoDbTablePrefix, listenAddress, localDir, simulatorListenPort } from "./settings.ts";
import { localDefaultSender, localStackState, startLocalStack } from "./stack.ts";
import { localRegion } from "./stand-ins.ts";
import { claimLocalDir, clearLocalState, writeLocalState } from "./state.ts";

// Every setting of the local stack's own, checked before anything starts.
const { port, host, dynamoDb, tablePrefix, simulatorPort } = (() => {
  try {
    return {
      ...listenAddress(),
      dynamoDb: dynamoDbChoice(),
      tablePrefix: dynamoDbTablePrefix(),
      simulatorPort: simulatorListenPort(),
    };
  } catch (error) {
    console.error(`npm start: ${(error as Error).message}`);
    process.exit(1);
  }
})();

// Before anything opens the data: a second stack on it would fail deep inside the stand-ins, or worse.
const running = await claimLocalDir();
if (running) {
  const where = running.state ? `inbound SMS URL ${running.state.urls.inboundSms}` : "still starting";
  console.error(
    `npm start: a local stack already runs in ${localDir} (pid ${running.pid}, ${where}); ` +
      `stop it with Ctrl-C in its terminal, or kill ${running.pid}`,
  );
  process.exit(1);
}

// Out of the box, `npm run send` needs a number to send from: a placeholder one, unless the user has numbers.
if (!process.env[settingNames.defaultSender] && !process.env[settingNames.receivingNumbers]) {
  process.env[settingNames.defaultSender] = localDefaultSender;
}
// Metric lines are for CloudWatch; locally they would only bury the log.
process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
// The URL secret: from the environment, else one made on first start and kept in .local/, so the URL stays put.
process.env[urlSecretSettings.secrets] ||= await localUrlSecret();

const stack = await startLocalStack({
  port,
  host,
  dataDir: localDir,
  dynamoDb,
  tablePrefix,
  simulator: { port: simulatorPort, host },
}).catch(async (error: NodeJS.ErrnoException) => {
  const reason =
    error.code === "EADDRINUSE"
      ? `port ${port} on ${host} is in use: stop what runs there, or choose another with PORT=...`
      : error.message;
  console.error(`npm start could not start the local stack: ${reason}`);
  await clearLocalState();
  process.exit(1);
});
await writeLocalState(localStackState(stack));

const prefixes = process.env[settingNames.prefixes] || "(none set: every message is flagged UNKNOWN_PREFIX)";
const numbers = process.env[settingNames.receivingNumbers] || "(any valid number)";
const sender = process.env[settingNames.defaultSender] || "the first receiving number";
const lines = [
  "ToBeText receiver running locally",
  ...Object.entries(routes).map(([id, route]) => `  ${route.label} URL (POST): ${stack.urls[id as RouteId]}`),
  stack.dynamoDbTarget === "endpoint"
    ? `  DynamoDB (DYNAMODB_ENDPOINT, not started here) endpoint: ${stack.dynamoDbEndpoint}  region ${stack.dynamoDbAccess.region}, ` +
      (stack.dynamoDbAccess.credentials === "environment"
        ? "your AWS credentials"
        : "local placeholder credentials (none set here)")
    : `  DynamoDB (${stack.dynamoDbTarget}) endpoint: ${stack.dynamoDbEndpoint}  region ${localRegion}, data in ${stack.dataDirs?.dynamoDb}`,
  ...Object.entries(tables).map(([id, table]) => {
    const notes: string[] = [];
    // At an endpoint, whose tables may be anyone's: say which ones this start made.
    if (stack.dynamoDbTarget === "endpoint")
      notes.push(stack.tablesCreated.includes(id as TableId) ? "created" : "existing");
    const upgrade = stack.tablesUpgraded[id as TableId];
    if (upgrade) {
      const changes = [
        ["added", upgrade.added],
        ["removed", upgrade.removed],
      ] as const;
      const said = changes
        .filter(([, names]) => names.length > 0)
        .map(([verb, names]) => `${verb} ${names.join(", ")}`);
      notes.push(`indexes upgraded: ${said.join("; ")}`);
    }
    const origin = notes.length > 0 ? ` (${notes.join("; ")})` : "";
    return `    table ${stack.tableNames[id as TableId]}${origin}: ${table.description}`;
  }),
  `  SQS (fauxqs) endpoint: ${stack.sqsEndpoint}  queues and messages in ${stack.dataDirs?.sqs}`,
  `  prefixes: ${prefixes}; receiving numbers: ${numbers}; sending from: ${sender}`,
  stack.simulator
    ? `  ToBeText simulator: ${stack.simulator.url} (the sender sends to ${stack.sendApiUrl}; requests: ${stack.simulator.url}/_simulator/requests)`
    : `  sending to ${stack.sendApiUrl} (${settingNames.sendApiUrl})`,
  `  URL secret: the last path segment (${urlSecretSettings.secrets}; kept in .local/url-secret unless set)`,
  "See the records:  npm run records   (or: npm run records -- --json;  sent SMS: npm run records -- --sent)",
  `See the events published (SNS topic ${stack.topicArns.events}):  npm run events   (or: npm run events -- --json;  as they come: --follow)`,
  'Send one:  npm run send -- --to 010-1234-5678 --text "안녕하세요"      Check it all:  npm run simulate',
  `Try it:  curl -X POST ${stack.urls.inboundSms} -d 'RecvNum=01012341234' -d 'SendNum=01056785678' -d 'Body=TEST 안녕하세요'`,
  "Ctrl-C stops everything.",
];
console.log(lines.join("\n"));

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping (requests in progress are answered, batches in progress finish)...`);
  await stack.stop();
  await clearLocalState();
  console.log("stopped");
  process.exit(0);
};
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

async function localUrlSecret(): Promise<string> {
  const file = resolve(localDir, "url-secret");
  const kept = await readFile(file, "utf8").catch(() => "");
  if (kept.trim()) return kept.trim();
  const secret = randomBytes(24).toString("base64url");
  await mkdir(localDir, { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
