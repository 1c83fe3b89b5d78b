/**
 * The tables' indexes project their keys only, under names of their own; a stack deployed with the
 * indexes earlier versions made (projecting ALL) reaches them through `-c indexUpgradeStep=N` deploys,
 * each of which CloudFormation accepts: at most one index created or deleted per table, none changed in
 * place (DynamoDB cannot change an index's projection). Apps are synthesized without bundling.
 */

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CfnElement } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { formerIndex, indexUpgradeStepSetting, indexUpgradeSteps } from "../../infra/index-upgrade.ts";
import { type TableDefinition, type TableId, tables } from "../../infra/topology.ts";
import { synthWithoutBundling } from "./synth.ts";

interface GlobalSecondaryIndex {
  IndexName: string;
  KeySchema: { AttributeName: string; KeyType: string }[];
  Projection: { ProjectionType: string; NonKeyAttributes?: string[] };
}

const tableEntries = Object.entries(tables) as [TableId, TableDefinition][];

/** Each table's indexes, as the template of an app with this context has them. */
function synthesizedIndexes(context: Record<string, unknown> = {}): Record<TableId, GlobalSecondaryIndex[]> {
  const { stack, template, remove } = synthWithoutBundling(context);
  try {
    const resources = template.toJSON().Resources as Record<
      string,
      { Properties: { GlobalSecondaryIndexes?: GlobalSecondaryIndex[] } }
    >;
    return Object.fromEntries(
      tableEntries.map(([tableId]) => {
        const logicalId = stack.resolve((stack.tables[tableId].node.defaultChild as CfnElement).logicalId) as string;
        return [tableId, resources[logicalId]?.Properties.GlobalSecondaryIndexes ?? []];
      }),
    ) as Record<TableId, GlobalSecondaryIndex[]>;
  } finally {
    remove();
  }
}

const keySchema = (partitionKey: string, sortKey: string) => [
  { AttributeName: partitionKey, KeyType: "HASH" },
  { AttributeName: sortKey, KeyType: "RANGE" },
];

/** Each table's indexes at one stage; a table missing from it does not exist yet. */
type Stage = Partial<Record<TableId, GlobalSecondaryIndex[]>>;

/**
 * The indexes every stack deployed before this change has (the template of commit 9f948e8): written out
 * here, not derived from the topology, so that the upgrade is checked from what is really deployed. The
 * tables added since (sentMessages) are not here: the upgrade creates them, whole.
 */
const deployedBefore: Stage = {
  inboundMessages: [
    { IndexName: "bySender", KeySchema: keySchema("sender", "firstArrivalAt"), Projection: { ProjectionType: "ALL" } },
    {
      IndexName: "byRecipient",
      KeySchema: keySchema("recipient", "firstArrivalAt"),
      Projection: { ProjectionType: "ALL" },
    },
  ],
  dedupe: [],
  deliveryReports: [
    { IndexName: "byMsgId", KeySchema: keySchema("msgId", "firstCallbackAt"), Projection: { ProjectionType: "ALL" } },
    { IndexName: "byCKey", KeySchema: keySchema("cKey", "firstCallbackAt"), Projection: { ProjectionType: "ALL" } },
  ],
  rejectedRequests: [
    { IndexName: "byRoute", KeySchema: keySchema("route", "receivedAt"), Projection: { ProjectionType: "ALL" } },
  ],
};

/**
 * What CloudFormation must do to one table's indexes to go from `before` to `after`. A table that did not
 * exist is created with all its indexes at once: the one-index-per-deploy limit is on updating a table.
 */
function indexChanges(before: GlobalSecondaryIndex[] | undefined, after: GlobalSecondaryIndex[]) {
  if (before === undefined) return { tableCreated: true, created: [], deleted: [], changedInPlace: [] };
  const named = (indexes: GlobalSecondaryIndex[]) => new Map(indexes.map((index) => [index.IndexName, index]));
  const was = named(before);
  const is = named(after);
  return {
    created: [...is.keys()].filter((name) => !was.has(name)),
    deleted: [...was.keys()].filter((name) => !is.has(name)),
    changedInPlace: [...is.keys()].filter(
      (name) => was.has(name) && JSON.stringify(was.get(name)) !== JSON.stringify(is.get(name)),
    ),
    tableCreated: false,
  };
}

const finalIndexes = synthesizedIndexes();
let stagesSynthesized: Stage[] | undefined;
/** The deployed indexes, each upgrade step's, then the topology's (a deploy without the setting). */
function upgradeStages(): Stage[] {
  stagesSynthesized ??= [
    deployedBefore,
    ...indexUpgradeSteps.map((step) => synthesizedIndexes({ [indexUpgradeStepSetting]: String(step) })),
    finalIndexes,
  ];
  return stagesSynthesized;
}
const formerNames = new Set(
  Object.values(deployedBefore).flatMap((indexes) => indexes.map((index) => index.IndexName)),
);

describe("indexes", () => {
  it("a new stack's tables have the topology's indexes only, new names projecting their keys only", () => {
    for (const [tableId, definition] of tableEntries) {
      expect(finalIndexes[tableId], tableId).toEqual(
        definition.indexes.map((index) => ({
          IndexName: index.name,
          KeySchema: keySchema(index.partitionKey, index.sortKey ?? ""),
          Projection: { ProjectionType: "KEYS_ONLY" },
        })),
      );
      for (const index of finalIndexes[tableId]) expect(formerNames.has(index.IndexName), index.IndexName).toBe(false);
    }
  });

  it("are keyed as the indexes deployed before them, each recorded as the one it replaces", () => {
    for (const [tableId, definition] of tableEntries) {
      if (deployedBefore[tableId] === undefined) {
        // A table new since then replaces nothing: it is created with the topology's indexes.
        expect(definition.indexes.map(formerIndex), tableId).toEqual(definition.indexes.map(() => undefined));
        continue;
      }
      const former = definition.indexes.map(formerIndex).map((index) => ({
        IndexName: index?.name,
        KeySchema: keySchema(index?.partitionKey ?? "", index?.sortKey ?? ""),
        Projection: { ProjectionType: index?.projection.type },
      }));
      expect(former, tableId).toEqual(deployedBefore[tableId]);
    }
  });

  it("a deployed stack upgrades through steps that each create or delete at most one index per table", () => {
    expect(indexUpgradeSteps.length).toBeGreaterThan(0);
    const stages = upgradeStages();
    for (const [position, stage] of stages.entries()) {
      for (const [tableId, definition] of tableEntries) {
        const indexes = stage[tableId];
        if (indexes === undefined) {
          expect(position, `${tableId} exists from the first step on`).toBe(0);
          continue;
        }
        // At every step, each look-up has an index (the former one, the new one, or both).
        for (const index of definition.indexes) {
          const keys = keySchema(index.partitionKey, index.sortKey ?? "");
          expect(
            indexes.some((each) => JSON.stringify(each.KeySchema) === JSON.stringify(keys)),
            `${tableId} at stage ${position}: ${index.partitionKey}`,
          ).toBe(true);
        }
        if (position === 0) continue;
        const changes = indexChanges((stages[position - 1] as typeof stage)[tableId], indexes);
        if (changes.tableCreated) {
          // A new table: created whole, with the topology's indexes (several at once is fine on creation).
          expect(
            indexes.map((index) => index.IndexName),
            `${tableId} created at stage ${position}`,
          ).toEqual(definition.indexes.map((index) => index.name));
          continue;
        }
        expect(changes.changedInPlace, `${tableId} at stage ${position}`).toEqual([]);
        expect(changes.created.length + changes.deleted.length, `${tableId} at stage ${position}`).toBeLessThanOrEqual(
          1,
        );
      }
    }
    // The last step is one deploy away from the topology, without the setting.
    const changed = stages.slice(1).map((stage, position) =>
      tableEntries.some(([tableId]) => {
        const changes = indexChanges((stages[position] as typeof stage)[tableId], stage[tableId] ?? []);
        return changes.tableCreated || changes.created.length + changes.deleted.length > 0;
      }),
    );
    expect(changed.every(Boolean), "every deploy of the upgrade changes something").toBe(true);
  });

  it("README's upgrade commands are the steps, each saying what it adds and removes", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("### Upgrading a deployed stack"));
    const block = section.slice(section.indexOf("```sh\n") + 6, section.indexOf("\n```", section.indexOf("```sh")));
    const stages = upgradeStages();
    const expected = stages.slice(1).map((stage, position) => {
      const changes = tableEntries.map(
        ([tableId]) =>
          [tableId, indexChanges((stages[position] as typeof stage)[tableId], stage[tableId] ?? [])] as const,
      );
      const step = indexUpgradeSteps[position];
      return {
        command: `npx cdk deploy ${step === undefined ? "" : `-c indexUpgradeStep=${step} `}--outputs-file cdk-outputs.json`,
        creates: changes.filter(([, change]) => change.tableCreated).map(([tableId]) => tableId),
        adds: changes.flatMap(([, change]) => change.created).sort(),
        removes: changes.flatMap(([, change]) => change.deleted).sort(),
      };
    });
    const documented = block.split("\n").map((line) => {
      const [command = "", comment = ""] = line.split("#").map((part) => part.trim());
      const listed = (verb: string) =>
        (comment.split("; ").find((part) => part.startsWith(`${verb} `)) ?? "")
          .slice(verb.length + 1)
          .split(", ")
          .filter(Boolean)
          .sort();
      return { command, creates: listed("creates table"), adds: listed("adds"), removes: listed("removes") };
    });
    expect(documented).toEqual(expected);
  });

  it.each(["0", String(indexUpgradeSteps.length + 1), "1.5", "two"])("refuses -c indexUpgradeStep=%s", (value) => {
    expect(() => synthesizedIndexes({ [indexUpgradeStepSetting]: value })).toThrow(
      new RegExp(
        `Context "indexUpgradeStep" cannot be "${value.replace(".", "\\.")}".*1 to ${indexUpgradeSteps.length}`,
      ),
    );
  });

  it("are queried by their new names only: no code names a former index", () => {
    const root = fileURLToPath(new URL("../..", import.meta.url));
    const sources = ["functions", "infra"].flatMap((folder) =>
      readdirSync(join(root, folder), { recursive: true, encoding: "utf8" })
        .filter((file) => file.endsWith(".ts") && join(folder, file) !== join("infra", "topology.ts"))
        .map((file) => [join(folder, file), readFileSync(join(root, folder, file), "utf8")] as const),
    );
    expect(sources.length).toBeGreaterThan(10);
    for (const [file, source] of sources) {
      for (const name of formerNames) expect(source.includes(`"${name}"`), `${file} names ${name}`).toBe(false);
    }
  });
});
