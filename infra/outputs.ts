/**
 * Names of the stack outputs that tools read back (`npm run smoke`), defined once for the stack
 * that writes them and the tools that read them.
 */
import type { routes, tables } from "./topology.ts";

/** Topology ids are camelCase; CloudFormation ids read better as PascalCase. */
export const pascalCase = (id: string) => `${id.charAt(0).toUpperCase()}${id.slice(1)}`;

export const outputKeys = {
  routeUrl: (routeId: keyof typeof routes) => `${pascalCase(routeId)}Url`,
  tableName: (tableId: keyof typeof tables) => `${pascalCase(tableId)}TableName`,
  tableConsole: (tableId: keyof typeof tables) => `${pascalCase(tableId)}TableConsole`,
  urlSecretArn: "UrlSecretArn",
};
