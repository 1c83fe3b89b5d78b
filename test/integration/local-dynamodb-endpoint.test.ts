/**
 * `DYNAMODB_ENDPOINT=... npm start`: the local stack on a DynamoDB that already runs, here AWS's DynamoDB
 * Local standing for the user's own (it keeps one database per access key and region, so it also tells
 * whose credentials and which region reached it). No DynamoDB is started; the tables are created there if
 * missing and used as they are if present, a table keyed otherwise is refused in one line; the functions
 * and `npm run records` reach it with the user's credentials and region, never replaced by the local ones.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, paginateScan } from "@aws-sdk/lib-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { awsEndpointRegion } from "../../infra/local/dynamodb-access.ts";
import { freePort, type RunningService, startDynamoDbLocal } from "../../infra/local/stand-ins.ts";
import { readLocalState } from "../../infra/local/state.ts";
import { tables } from "../../infra/topology.ts";
import { listedArrivals, testUrlSecret } from "../support/pipeline.ts";
import { eventually, killAll, runNode } from "./fixtures/processes.ts";

let dynamoDbLocal: RunningService;
beforeAll(async () => {
  dynamoDbLocal = await startDynamoDbLocal(undefined);
}, 60_000);
afterAll(async () => {
  await dynamoDbLocal?.stop();
});

const dirs: string[] = [];
async function localDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tobetext-endpoint-"));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await killAll();
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/**
 * npm start's environment: DYNAMODB_ENDPOINT, and AWS credentials and region as given (empty: none).
 * Nothing else of the machine's AWS configuration reaches it, so the test means the same everywhere.
 */
function environment(dir: string, aws: Partial<Credentials>, extra: Record<string, string> = {}) {
  return {
    TOBETEXT_LOCAL_DIR: dir,
    PORT: "0",
    TOBETEXT_URL_SECRETS: testUrlSecret,
    DYNAMODB_ENDPOINT: dynamoDbLocal.endpoint,
    // `npm run test:dynamodb-local` sets it for the whole suite; both at once are refused.
    DYNAMODB_TARGET: "",
    DYNAMODB_TABLE_PREFIX: "",
    AWS_ACCESS_KEY_ID: aws.accessKeyId ?? "",
    AWS_SECRET_ACCESS_KEY: aws.secretAccessKey ?? "",
    AWS_REGION: aws.region ?? "",
    AWS_SESSION_TOKEN: "",
    AWS_PROFILE: "",
    AWS_CONFIG_FILE: "/nonexistent",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
    AWS_EC2_METADATA_DISABLED: "true",
    ...extra,
  };
}

/** DynamoDB Local as someone holding these credentials, in this region, sees it. */
function clientAs({ accessKeyId, secretAccessKey, region }: Credentials) {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: dynamoDbLocal.endpoint, region, credentials: { accessKeyId, secretAccessKey } }),
  );
}

async function tableNames(as: Credentials): Promise<string[]> {
  const client = clientAs(as);
  try {
    return ((await client.send(new ListTablesCommand({}))).TableNames ?? []).sort();
  } finally {
    client.destroy();
  }
}

async function scan(as: Credentials, tableName: string): Promise<Record<string, unknown>[]> {
  const client = clientAs(as);
  try {
    const items: Record<string, unknown>[] = [];
    for await (const page of paginateScan({ client }, { TableName: tableName, ConsistentRead: true })) {
      items.push(...(page.Items ?? []));
    }
    return items;
  } finally {
    client.destroy();
  }
}

async function postSms(url: string, text: string): Promise<void> {
  const body = new URLSearchParams({ RecvNum: "01012341234", SendNum: "01056785678", Body: text });
  const answer = await fetch(url, { method: "POST", body });
  expect(answer.status).toBe(200);
  await answer.arrayBuffer();
}

/** npm start, until it serves; its output and state. */
async function start(env: Record<string, string>) {
  const run = runNode(["infra/local/start.ts"], env);
  await run.line((line) => line.startsWith("Ctrl-C stops everything"));
  const state = await readLocalState(env.TOBETEXT_LOCAL_DIR);
  if (!state) throw new Error("npm start wrote no stack.json");
  return { ...run, state };
}

/** Ctrl-C, and a clean exit. */
async function stop(run: Awaited<ReturnType<typeof start>>): Promise<void> {
  process.kill(run.child.pid as number, "SIGINT");
  expect(await run.exited).toBe(0);
}

/** npm run records -- --json, in `env`: one record a line. */
async function records(env: Record<string, string>): Promise<Record<string, unknown>[]> {
  const run = runNode(["infra/tools/records.ts", "--json"], env);
  expect(await run.exited, run.errors.join("\n")).toBe(0);
  return run.output.map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** npm start that must refuse: its exit code and what it wrote. */
async function refused(env: Record<string, string>) {
  const run = runNode(["infra/local/start.ts"], env);
  const code = await run.exited;
  return { code, output: run.output, errors: run.errors };
}

const tableIds = Object.keys(tables);
const names = (prefix: string) => tableIds.map((id) => `${prefix}${id}`).sort();

describe("npm start with DYNAMODB_ENDPOINT", () => {
  it("creates its tables there with the user's credentials and region, stores SMS there, and reuses both on the next start", async () => {
    // A dev account's credentials and region (DynamoDB Local takes access key ids of letters and digits only):
    // the stack must keep them, not put its local ones in their place.
    const dev = { accessKeyId: "DevKey", secretAccessKey: "dev-secret", region: "us-west-2" };
    const firstDir = await localDir();
    const first = await start(environment(firstDir, dev));

    expect(first.output).toContain(
      `  DynamoDB (DYNAMODB_ENDPOINT, not started here) endpoint: ${dynamoDbLocal.endpoint}  region us-west-2, your AWS credentials`,
    );
    for (const id of tableIds) {
      expect(first.output.some((line) => line.startsWith(`    table tobetext-${id} (created): `))).toBe(true);
    }
    expect(first.output.join("\n")).not.toMatch(/dynalite|dynamodb-local/);
    expect(first.state.dynamoDbEndpoint).toBe(dynamoDbLocal.endpoint);
    // Nothing of DynamoDB under .local/: it is all at the endpoint.
    expect(await readdir(firstDir)).not.toEqual(expect.arrayContaining(["dynalite"]));
    expect(await readdir(firstDir)).not.toEqual(expect.arrayContaining(["dynamodb-local"]));
    // The tables are in the dev credentials' database, in their region, and nowhere else.
    expect(await tableNames(dev)).toEqual(names("tobetext-"));
    expect(await tableNames({ accessKeyId: "local", secretAccessKey: "local", region: "ap-northeast-2" })).toEqual([]);
    expect(await tableNames({ ...dev, region: "ap-northeast-2" })).toEqual([]);

    // Stored by the processor, with the dev credentials too, and read back by npm run records.
    await postSms(first.state.urls.inboundSms as string, "TEST at the endpoint");
    const [stored] = await eventually(
      () => scan(dev, "tobetext-inboundMessages"),
      (items) => items.length > 0,
    );
    expect(stored).toMatchObject({ text: "TEST at the endpoint", sender: "+821056785678", deliveryCount: 1 });
    const printed = await records(environment(firstDir, dev));
    expect(printed).toMatchObject([{ messageId: stored?.messageId, text: "TEST at the endpoint" }]);
    // The arrivals set as a list, one "<time> <id>" an arrival.
    expect(printed[0]?.arrivals).toEqual(listedArrivals(stored));
    expect(printed[0]?.arrivals).toHaveLength(1);
    // npm run smoke -- --local reads back from the same tables, the same way.
    const smoke = runNode(["infra/tools/smoke.ts", "--local"], environment(firstDir, dev));
    expect(await smoke.exited, [...smoke.output, ...smoke.errors].join("\n")).toBe(0);
    await stop(first);
    // Its DynamoDB is the user's: still running, tables and data kept.
    expect(await tableNames(dev)).toEqual(names("tobetext-"));

    // The next start, even from another folder, uses the tables as they are, data and dedupe state included:
    // the same SMS again is a retry of the stored one.
    const secondDir = await localDir();
    const second = await start(environment(secondDir, dev));
    for (const id of tableIds) {
      expect(second.output.some((line) => line.startsWith(`    table tobetext-${id} (existing): `))).toBe(true);
    }
    await postSms(second.state.urls.inboundSms as string, "TEST at the endpoint");
    const ours = (items: Record<string, unknown>[]) => items.filter((item) => item.text === "TEST at the endpoint");
    await eventually(
      () => scan(dev, "tobetext-inboundMessages"),
      (items) => ours(items)[0]?.deliveryCount === 2,
    );
    const again = ours(await records(environment(secondDir, dev)));
    expect(again).toMatchObject([{ messageId: stored?.messageId, deliveryCount: 2 }]);
    await stop(second);
    // The test SMS and the smoke's, each stored once.
    expect(await scan(dev, "tobetext-inboundMessages")).toHaveLength(2);
  }, 90_000);

  it("with no AWS credentials or region set, uses local placeholders (DynamoDB Local takes them), and names tables by DYNAMODB_TABLE_PREFIX", async () => {
    const dir = await localDir();
    const env = environment(dir, {}, { DYNAMODB_TABLE_PREFIX: "alice-" });
    const run = await start(env);
    expect(run.output).toContain(
      `  DynamoDB (DYNAMODB_ENDPOINT, not started here) endpoint: ${dynamoDbLocal.endpoint}  region ap-northeast-2, ` +
        "local placeholder credentials (none set here)",
    );
    const placeholders = { accessKeyId: "local", secretAccessKey: "local", region: "ap-northeast-2" };
    expect(await tableNames(placeholders)).toEqual(names("alice-"));

    await postSms(run.state.urls.inboundSms as string, "TEST placeholders");
    await eventually(
      () => scan(placeholders, "alice-inboundMessages"),
      (items) => items.some((item) => item.text === "TEST placeholders"),
    );
    expect(await records(env)).toMatchObject([{ text: "TEST placeholders" }]);
    await stop(run);
  }, 60_000);

  it("refuses, in one line and before creating anything, a table there whose key is not the topology's", async () => {
    const other = { accessKeyId: "ClashKey", secretAccessKey: "clash-secret", region: "eu-west-1" };
    const client = clientAs(other);
    await client.send(
      new CreateTableCommand({
        TableName: "tobetext-dedupe",
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "N" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      }),
    );
    client.destroy();
    const dir = await localDir();

    const { code, output, errors } = await refused(environment(dir, other));
    expect(code).toBe(1);
    expect(output).toEqual([]);
    expect(errors).toEqual([
      `npm start could not start the local stack: a table in DynamoDB at ${dynamoDbLocal.endpoint} is not as ` +
        "infra/topology.ts defines it: tobetext-dedupe is keyed id:N, not key:S; " +
        "set another DYNAMODB_TABLE_PREFIX, or delete or rename that table there",
    ]);
    expect(await tableNames(other)).toEqual(["tobetext-dedupe"]);
    await expect(readFile(join(dir, "stack.lock"))).rejects.toThrow();
  }, 30_000);
});

describe("npm start refuses, in one line, a DynamoDB it cannot use", () => {
  const dev = { accessKeyId: "DevKey", secretAccessKey: "dev-secret", region: "us-west-2" };

  it("an endpoint where nothing answers", async () => {
    const port = await freePort();
    const dir = await localDir();
    const { code, errors } = await refused(environment(dir, dev, { DYNAMODB_ENDPOINT: `http://127.0.0.1:${port}` }));
    expect(code).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(
        `^npm start could not start the local stack: DynamoDB at http://127\\.0\\.0\\.1:${port} \\(DYNAMODB_ENDPOINT\\) ` +
          "did not answer: .*ECONNREFUSED.* \\(region us-west-2, your AWS credentials\\)$",
      ),
    );
  });

  it("AWS's DynamoDB in another region than AWS_REGION (nothing is sent to AWS)", async () => {
    const dir = await localDir();
    const { code, errors } = await refused(
      environment(dir, dev, { DYNAMODB_ENDPOINT: "https://dynamodb.ap-northeast-2.amazonaws.com" }),
    );
    expect(code).toBe(1);
    expect(errors).toEqual([
      "npm start could not start the local stack: DYNAMODB_ENDPOINT https://dynamodb.ap-northeast-2.amazonaws.com " +
        "is in region ap-northeast-2, but the AWS region set here (AWS_REGION, or the profile's) is us-west-2: " +
        "set AWS_REGION=ap-northeast-2",
    ]);
  });

  it("AWS's DynamoDB without AWS credentials (nothing is sent to AWS)", async () => {
    const dir = await localDir();
    const { code, errors } = await refused(
      environment(dir, {}, { DYNAMODB_ENDPOINT: "https://dynamodb.ap-northeast-2.amazonaws.com" }),
    );
    expect(code).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^npm start could not start the local stack: DYNAMODB_ENDPOINT https:\/\/dynamodb\.ap-northeast-2\.amazonaws\.com is AWS's DynamoDB: npm start needs your AWS credentials for it \(AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\), and found none/,
    );
  });

  it("DYNAMODB_ENDPOINT and DYNAMODB_TARGET both set", async () => {
    const dir = await localDir();
    const { code, errors } = await refused(environment(dir, dev, { DYNAMODB_TARGET: "dynalite" }));
    expect(code).toBe(1);
    expect(errors).toEqual([
      "npm start: DYNAMODB_ENDPOINT and DYNAMODB_TARGET are both set: DYNAMODB_ENDPOINT uses a DynamoDB that " +
        "already runs, DYNAMODB_TARGET picks the one npm start runs itself; unset one of them",
    ]);
  });
});

describe("AWS's DynamoDB endpoints", () => {
  it("name their region; other endpoints none", () => {
    expect(awsEndpointRegion("https://dynamodb.ap-northeast-2.amazonaws.com")).toBe("ap-northeast-2");
    expect(awsEndpointRegion("https://dynamodb-fips.us-east-1.amazonaws.com")).toBe("us-east-1");
    expect(awsEndpointRegion("https://dynamodb.us-east-1.api.aws")).toBe("us-east-1");
    expect(awsEndpointRegion("https://dynamodb.cn-north-1.amazonaws.com.cn")).toBe("cn-north-1");
    expect(awsEndpointRegion("http://127.0.0.1:8000")).toBeUndefined();
    expect(awsEndpointRegion("http://dynamodb:8000")).toBeUndefined();
  });
});
