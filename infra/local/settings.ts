/**
 * The local stack's own settings, read from the environment here and nowhere else (README
 * "Configuration", local only): PORT and HOST place the HTTP front, DYNAMODB_TARGET picks the DynamoDB
 * stand-in, TOBETEXT_LOCAL_DIR is where npm start keeps its data. An empty value counts as unset; a
 * malformed one is refused with a message that names it.
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

/** PORT (default 3000; 0 picks a free one) and HOST (default 127.0.0.1) of the HTTP front. */
export function listenAddress(env: Environment = process.env): { port: number; host: string } {
  const port = Number(env.PORT || 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`PORT must be a port number (0 to 65535), not "${env.PORT}"`);
  }
  return { port, host: env.HOST || "127.0.0.1" };
}
