/** Where `npm start` tells the other local tools (records) how to reach the running stack. */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";

export const localDir = resolve(import.meta.dirname, "../../.local");
const stateFile = resolve(localDir, "stack.json");

export interface LocalStackState {
  dynamoDbEndpoint: string;
  region: string;
  tableNames: Record<string, string>;
  urls: Record<string, string>;
  pid: number;
}

export async function writeLocalState(state: LocalStackState): Promise<void> {
  await mkdir(localDir, { recursive: true });
  await writeFile(stateFile, `${JSON.stringify(state, null, 2)}\n`);
}

export async function readLocalState(): Promise<LocalStackState | undefined> {
  try {
    const state = JSON.parse(await readFile(stateFile, "utf8")) as LocalStackState;
    // A stack.json left by a stack that is no longer running points nowhere.
    process.kill(state.pid, 0);
    return state;
  } catch {
    return undefined;
  }
}

export async function clearLocalState(): Promise<void> {
  await rm(stateFile, { force: true });
}
