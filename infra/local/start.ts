/**
 * `npm start`: the whole pipeline on this machine. Settings come from the environment, as on
 * Lambda (see README "Configuration"); PORT (default 3000) and HOST (default 127.0.0.1) place
 * the HTTP front; DynamoDB data is kept in .local/ so records survive a restart.
 */

import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type RouteId, routes, settingNames, type TableId, tables, urlSecretSettings } from "../topology.ts";
import { startLocalStack } from "./stack.ts";
import { localRegion } from "./stand-ins.ts";
import { clearLocalState, localDir, writeLocalState } from "./state.ts";

// Metric lines are for CloudWatch; locally they would only bury the log.
process.env.METRICS_DISABLED ??= "true";
// The URL secret: from the environment, else one made on first start and kept in .local/, so the URL stays put.
process.env[urlSecretSettings.secrets] ||= await localUrlSecret();

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
const dynamoDb = process.env.DYNAMODB_TARGET === "dynamodb-local" ? "dynamodb-local" : "dynalite";
const dataDir = resolve(localDir, dynamoDb);

const stack = await startLocalStack({ port, host, dataDir, dynamoDb }).catch((error: NodeJS.ErrnoException) => {
  const reason =
    error.code === "EADDRINUSE"
      ? `port ${port} on ${host} is in use: stop what runs there, or choose another with PORT=...`
      : error.message;
  console.error(`npm start could not start the local stack: ${reason}`);
  process.exit(1);
});
await writeLocalState({
  dynamoDbEndpoint: stack.dynamoDbEndpoint,
  region: localRegion,
  tableNames: stack.tableNames,
  urls: stack.urls,
  pid: process.pid,
});

const prefixes = process.env[settingNames.prefixes] || "(none set: every message is flagged UNKNOWN_PREFIX)";
const numbers = process.env[settingNames.receivingNumbers] || "(any valid number)";
const lines = [
  "ToBeText receiver running locally",
  ...Object.entries(routes).map(([id, route]) => `  ${route.label} URL (POST): ${stack.urls[id as RouteId]}`),
  `  DynamoDB (${dynamoDb}) endpoint: ${stack.dynamoDbEndpoint}  region ${localRegion}, data in ${dataDir}`,
  ...Object.entries(tables).map(([id, table]) => `    table ${stack.tableNames[id as TableId]}: ${table.description}`),
  `  SQS (fauxqs) endpoint: ${stack.sqsEndpoint}`,
  `  prefixes: ${prefixes}; receiving numbers: ${numbers}`,
  `  URL secret: the last path segment (${urlSecretSettings.secrets}; kept in .local/url-secret unless set)`,
  "See the records:  npm run records   (or: npm run records -- --json)",
  `Try it:  curl -X POST ${stack.urls.inboundSms} -d 'RecvNum=01012341234' -d 'SendNum=01056785678' -d 'Body=TEST 안녕하세요'`,
  "Ctrl-C stops everything.",
];
console.log(lines.join("\n"));

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping...`);
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
