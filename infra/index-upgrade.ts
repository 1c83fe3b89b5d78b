/**
 * A deployed stack's indexes, deploy by deploy, from those an earlier version made to the topology's.
 *
 * DynamoDB cannot change an index's keys or projection in place, and CloudFormation creates or deletes at
 * most one global secondary index per table in one stack update. So an index whose projection changed has
 * a new name (the topology records the former one in `replaces`), and a stack deployed with the former
 * indexes gets there in stages: each new index is added, one per deploy, then each former one removed. A
 * table's stage 0 is what the earlier version deployed, its last stage the topology. `cdk deploy -c
 * indexUpgradeStep=N` deploys stage N of every table (a table with fewer stages stays at its last); a deploy
 * without it deploys the topology, as a new stack needs (README "Upgrading a deployed stack").
 *
 * Plain data, as the topology: the CDK stack reads it, and the infra tests derive the upgrade from it.
 */
import { type IndexDefinition, type TableDefinition, tables } from "./topology.ts";

/** An index as a table has it at some stage: one of the topology's, or a former one. */
export type TableIndex = Omit<IndexDefinition, "replaces">;

/** The context setting of the upgrade (`-c indexUpgradeStep=N`). */
export const indexUpgradeStepSetting = "indexUpgradeStep";

const withoutFormer = ({ replaces: _former, ...index }: IndexDefinition): TableIndex => index;

/** The index `index` replaces, as earlier versions deployed it: the same keys, under its former name. */
export function formerIndex(index: IndexDefinition): TableIndex | undefined {
  if (!index.replaces) return undefined;
  return { ...withoutFormer(index), name: index.replaces.name, projection: index.replaces.projection };
}

/**
 * A table's indexes at each stage, from 0 (an earlier version's) to the topology's: the new indexes are
 * added first, in the topology's order, so that every look-up has an index at every stage; then the
 * former ones are removed. Each stage differs from the one before by one index.
 */
export function indexStages(table: TableDefinition): TableIndex[][] {
  const replacing = table.indexes.filter((index) => index.replaces !== undefined);
  const stageCount = 2 * replacing.length + 1;
  return Array.from({ length: stageCount }, (_, stage) => {
    const former = replacing
      .filter((_index, position) => stage <= replacing.length + position)
      .map((index) => formerIndex(index) as TableIndex);
    const current = table.indexes.filter((index) => {
      const position = replacing.indexOf(index);
      return position < 0 || stage > position;
    });
    return [...former, ...current.map(withoutFormer)];
  });
}

/** The last stage of the table with the most: a deploy at that step is the topology's. */
export const indexUpgradeStages = Math.max(
  0,
  ...Object.values<TableDefinition>(tables).map((table) => indexStages(table).length - 1),
);

/** The steps a deployed stack goes through before a plain deploy: 1 to `indexUpgradeStages - 1`. */
export const indexUpgradeSteps: readonly number[] = Array.from(
  { length: Math.max(0, indexUpgradeStages - 1) },
  (_, index) => index + 1,
);

/** A table's indexes at an upgrade step; the topology's without one. */
export function indexesAt(table: TableDefinition, step: number | undefined): TableIndex[] {
  const stages = indexStages(table);
  return stages[Math.min(step ?? Number.POSITIVE_INFINITY, stages.length - 1)] as TableIndex[];
}

/** `-c indexUpgradeStep=N` as CDK context gives it (a string from the command line, anything from cdk.json). */
export function readIndexUpgradeStep(value: unknown): number | undefined {
  if (value === undefined || value === "") return undefined;
  const step = Number(value);
  if (!indexUpgradeSteps.includes(step)) {
    const range =
      indexUpgradeSteps.length === 0
        ? "no index upgrade is pending: deploy without it"
        : `it is a step of the upgrade from the former indexes, 1 to ${indexUpgradeSteps.length} ` +
          `(README "Upgrading a deployed stack"), then a deploy without it`;
    throw new Error(`Context "${indexUpgradeStepSetting}" cannot be ${JSON.stringify(value)}: ${range}`);
  }
  return step;
}
