/**
 * The local stack's own settings, read from the environment here and nowhere else (README
 * "Configuration", local only): PORT and HOST place the HTTP front, DYNAMODB_TARGET picks the DynamoDB
 * stand-in, or DYNAMODB_ENDPOINT names a DynamoDB that already runs (then none is started),
 * DYNAMODB_TABLE_PREFIX names the tables, TOBETEXT_LOCAL_DIR is where npm start keeps its data. An empty
 * value counts as unset; a malformed one is refused with a message that names it.
 */
import { resolve } from "node:path";
import type { DynamoDbTarget } from "./stand-ins.ts";

type Environment = Record<string, string | undefined>;

/** `.local/` in the repository; TOBETEXT_LOCAL_DIR moves it (tests use a folder of their own). */
export const localDir = resolve(process.env.TOBETEXT_LOCAL_DIR || resolve(import.meta.dirname, "../../.local"));

const dynamoDbTargets: readonly DynamoDbTarget[] = ["dynalite", "dynamodb-local"];

/** DYNAMODB_TARGET: dynalite (the default, in-process) or dynamodb-local (AWS's DynamoDB Local, Java). */
export function dynamoDbTarget(env: Environment = process.env): DynamoDbTarget {
  const value = env.DYNAMODB_TARGET || "dynalite";
  if (!(dynamoDbTargets as readonly string[]).includes(value)) {
    throw new Error(`DYNAMODB_TARGET must be one of ${dynamoDbTargets.join(", ")}, not "${value}"`);
  }
  return value as DynamoDbTarget;
}

/**
 * DYNAMODB_ENDPOINT: the URL of a DynamoDB that already runs (a DynamoDB Local of the user's, or AWS's own
 * DynamoDB in a dev account), used instead of starting a stand-in; undefined when unset.
 */
export function dynamoDbEndpoint(env: Environment = process.env): string | undefined {
  const value = env.DYNAMODB_ENDPOINT;
  if (!value) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {}
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname || url.username) {
    throw new Error(
      `DYNAMODB_ENDPOINT must be an http:// or https:// URL, such as http://127.0.0.1:8000, not "${value}"`,
    );
  }
  return url.pathname === "/" && !url.search ? url.origin : url.href;
}

/** Which DynamoDB npm start uses: a stand-in it starts itself, or one that already runs at an endpoint. */
export type DynamoDbChoice = { target: DynamoDbTarget } | { endpoint: string };

/**
 * DYNAMODB_TARGET or DYNAMODB_ENDPOINT, never both: one asks npm start to run a DynamoDB, the other to use
 * one that runs already, and neither is quietly dropped for the other.
 */
export function dynamoDbChoice(env: Environment = process.env): DynamoDbChoice {
  const endpoint = dynamoDbEndpoint(env);
  if (endpoint === undefined) return { target: dynamoDbTarget(env) };
  if (env.DYNAMODB_TARGET) {
    throw new Error(
      `DYNAMODB_ENDPOINT and DYNAMODB_TARGET are both set: DYNAMODB_ENDPOINT uses a DynamoDB that already runs, ` +
        `DYNAMODB_TARGET picks the one npm start runs itself; unset one of them`,
    );
  }
  return { endpoint };
}

/**
 * DYNAMODB_TABLE_PREFIX (default `tobetext-`): the tables are named `<prefix><table id>`
 * (tobetext-inboundMessages, ...). Another prefix keeps apart the tables of people sharing one DynamoDB.
 */
export function dynamoDbTablePrefix(env: Environment = process.env): string {
  const value = env.DYNAMODB_TABLE_PREFIX || "tobetext-";
  // DynamoDB table names: 3 to 255 of these characters; the longest table id leaves 200 for the prefix.
  if (!/^[A-Za-z0-9_.-]{1,200}$/.test(value)) {
    throw new Error(`DYNAMODB_TABLE_PREFIX may use only letters, digits and _ . - (at most 200), not "${value}"`);
  }
  return value;
}

/** PORT (default 3000; 0 picks a free one) and HOST (default 127.0.0.1) of the HTTP front. */
export function listenAddress(env: Environment = process.env): { port: number; host: string } {
  const port = Number(env.PORT || 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`PORT must be a port number (0 to 65535), not "${env.PORT}"`);
  }
  return { port, host: env.HOST || "127.0.0.1" };
}

/**
 * TOBETEXT_SIMULATOR_PORT (default 3100, or a free one when PORT=0 asks for free ports; 0 picks a free one):
 * where npm start runs the ToBeText simulator its sender sends to (none when TOBETEXT_API_URL names a ToBeText).
 */
export function simulatorListenPort(env: Environment = process.env): number {
  const port = Number(env.TOBETEXT_SIMULATOR_PORT || (env.PORT === "0" ? 0 : 3100));
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`TOBETEXT_SIMULATOR_PORT must be a port number (0 to 65535), not "${env.TOBETEXT_SIMULATOR_PORT}"`);
  }
  return port;
}
