/**
 * A processor's configuration, read and checked whole at cold start: the tables it uses and the
 * settings that decide how it stores. (Kept apart from the receivers' reader, whose phone-number
 * metadata a processor has no use for.)
 */
import { type LogLevel, settingNames, type TableId, tableNameSettings } from "../contract.ts";
import { type Env, logLevel, positiveInteger, required } from "./settings.ts";

export interface ProcessorSettings {
  /** How long after a message's first arrival an identical one counts as a retry of it. */
  dedupeWindowMs: number;
  logLevel: LogLevel;
}

export function readProcessorSettings(env: Env = process.env): ProcessorSettings {
  return { dedupeWindowMs: positiveInteger(env, settingNames.dedupeWindowSeconds) * 1000, logLevel: logLevel(env) };
}

export interface ProcessorConfig<T extends TableId> {
  settings: ProcessorSettings;
  tableNames: Record<T, string>;
}

export function readProcessorConfig<T extends TableId>(
  tables: readonly T[],
  env: Env = process.env,
): ProcessorConfig<T> {
  return {
    settings: readProcessorSettings(env),
    tableNames: Object.fromEntries(tables.map((table) => [table, required(env, tableNameSettings[table])])) as Record<
      T,
      string
    >,
  };
}
