import { createHash } from "node:crypto";
import { CfnElement, Stack } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/**
 * Gives the CloudFormation resources in `construct` the logical ids they had when the construct
 * was made directly in the stack under `formerId`, wherever it is made now.
 *
 * CDK derives a logical id from the construct path in the stack ("InboundSmsQueue/Queue/Resource"
 * gives InboundSmsQueue53A43192). Moving a construct into another one changes that id, and
 * CloudFormation then creates a new resource and deletes the old one. For a queue, that would
 * delete the messages and dead letters still in it. For a log group, it would delete its logs.
 * Call this once the construct has made its resources: one made later gets its own new id.
 */
export function keepFormerLogicalIds(construct: IConstruct, formerId: string): void {
  const stack = Stack.of(construct);
  for (const element of construct.node.findAll()) {
    if (!CfnElement.isCfnElement(element)) continue;
    // The rule below is CDK's: if it ever differs for where the element is now, fail the synth
    // rather than deploy ids that match nothing deployed.
    const current = pathIds(element, stack);
    if (logicalIdAt(current) !== stack.getLogicalId(element)) {
      throw new Error(
        `Cannot keep the former logical id of ${element.node.path}: CDK no longer derives ids as assumed`,
      );
    }
    element.overrideLogicalId(logicalIdAt([formerId, ...pathIds(element, construct)]));
  }
}

/** The ids on the path from just below `ancestor` down to `element`. */
const pathIds = (element: IConstruct, ancestor: IConstruct): string[] =>
  element.node.scopes.slice(ancestor.node.scopes.length).map((scope) => scope.node.id);

/**
 * The logical id CDK gives the element at this path in its stack (makeUniqueId in aws-cdk-lib's
 * core/lib/private/uniqueid, which the package does not export). Leave out "Default" ids. Join the
 * remaining ids, without "Resource" or an id that the previous id ends with, and add the first 8
 * hex digits of the MD5 of the path.
 */
function logicalIdAt(path: string[]): string {
  const ids = path.filter((id) => id !== "Default");
  const alphanumeric = (id: string) => id.replace(/[^A-Za-z0-9]/g, "");
  const [only] = ids;
  if (ids.length === 1 && only !== undefined && alphanumeric(only).length <= 255) return alphanumeric(only);
  const hash = createHash("md5").update(ids.join("/")).digest("hex").slice(0, 8).toUpperCase();
  const human: string[] = [];
  for (const id of ids) if (!human.at(-1)?.endsWith(id)) human.push(id);
  const readable = human
    .filter((id) => id !== "Resource")
    .map(alphanumeric)
    .join("")
    .slice(0, 240);
  return readable + hash;
}
