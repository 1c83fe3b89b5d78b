/**
 * Where `npm start` tells the other local tools (records, smoke, redrive, replay) how to reach the running
 * stack, and how it makes sure only one stack at a time runs on a folder's data.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type DynamoDbAccess, dynamoDbClient } from "./dynamodb-access.ts";
import { localDir } from "./settings.ts";
import { localCredentials } from "./stand-ins.ts";

const stateFile = (dir: string) => resolve(dir, "stack.json");
const lockFile = (dir: string) => resolve(dir, "stack.lock");

export interface LocalStackState {
  dynamoDbEndpoint: string;
  /** DynamoDB's region; absent (from a stack of an earlier version): `region`. */
  dynamoDbRegion?: string;
  /**
   * Whose credentials reach DynamoDB: `local`, the placeholders (absent: the same); `environment`, the
   * user's own, from the SDK's default chain (never written here). See dynamodb-access.ts.
   */
  dynamoDbCredentials?: DynamoDbAccess["credentials"];
  sqsEndpoint: string;
  /** The stand-ins' region (SQS, and DynamoDB unless dynamoDbRegion says otherwise). */
  region: string;
  tableNames: Record<string, string>;
  queueUrls: Record<string, string>;
  deadLetterQueueUrls: Record<string, string>;
  urls: Record<string, string>;
  /** Where the local sender sends (absent: a stack of an earlier version, which sent nothing). */
  sendApiUrl?: string;
  /** The user settings its functions started with, for `npm run replay` (absent: a stack of an earlier version). */
  settings?: Record<string, string>;
  /** The ToBeText simulator `npm start` runs, for `npm run simulate`. */
  simulatorUrl?: string;
  /** The events log, for `npm run events` (absent: a stack of an earlier version, which published none). */
  eventsLog?: string;
  pid: number;
}

export async function writeLocalState(state: LocalStackState, dir = localDir): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`);
}

export async function readLocalState(dir = localDir): Promise<LocalStackState | undefined> {
  try {
    const state = JSON.parse(await readFile(stateFile(dir), "utf8")) as LocalStackState;
    // A stack.json left by a stack that is no longer running points nowhere.
    process.kill(state.pid, 0);
    return state;
  } catch {
    return undefined;
  }
}

/** Removes what a running stack leaves: its state, and its claim on the folder if it is this process's. */
export async function clearLocalState(dir = localDir): Promise<void> {
  await rm(stateFile(dir), { force: true });
  if ((await lockHolder(dir)) === process.pid) await rm(lockFile(dir), { force: true });
}

/** The stack that already runs on a folder's data: its pid, and its state once it has started. */
export interface RunningLocalStack {
  pid: number;
  state: LocalStackState | undefined;
}

/**
 * Claims the folder for this process before any stand-in opens its data there: two stacks on the
 * same files would corrupt each other's (dynalite's store allows one process). Resolves with the stack
 * that holds it instead, if one does; a claim left by a stack that crashed is taken over.
 */
export async function claimLocalDir(dir = localDir): Promise<RunningLocalStack | undefined> {
  await mkdir(dir, { recursive: true });
  // Twice at most: once more after removing a claim its holder left behind.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(lockFile(dir), `${process.pid}\n`, { flag: "wx" });
      return undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = await lockHolder(dir);
    if (holder !== undefined && (await isLocalStack(holder))) {
      const state = await readLocalState(dir);
      return { pid: holder, state: state?.pid === holder ? state : undefined };
    }
    await rm(lockFile(dir), { force: true });
  }
  throw new Error(`could not claim ${dir}: another npm start is starting there at the same moment`);
}

async function lockHolder(dir: string): Promise<number | undefined> {
  const pid = Number((await readFile(lockFile(dir), "utf8").catch(() => "")).trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Whether `pid` is a running local stack. After a crash and a reboot its pid may belong to another
 * program, which must not be taken for it (nor offered to `kill`): on Linux its command line tells.
 */
async function isLocalStack(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it runs, as another user.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const commandLine = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => undefined);
  return commandLine === undefined || commandLine.includes("infra/local/");
}

/** How a tool reaches the running stack's DynamoDB, as its functions do. */
export function stateDynamoDbAccess(state: LocalStackState): DynamoDbAccess {
  return {
    endpoint: state.dynamoDbEndpoint,
    region: state.dynamoDbRegion ?? state.region,
    credentials: state.dynamoDbCredentials ?? "local",
  };
}

/** A DynamoDB document client for the stack's DynamoDB, as its functions reach it. */
export function stateDocumentClient(state: LocalStackState): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(dynamoDbClient(stateDynamoDbAccess(state)));
}

/** An SQS client for the stack's fauxqs, as its functions reach it (any credentials do: the local ones). */
export function stateSqsClient(state: LocalStackState): SQSClient {
  return new SQSClient({ endpoint: state.sqsEndpoint, region: state.region, credentials: localCredentials });
}
