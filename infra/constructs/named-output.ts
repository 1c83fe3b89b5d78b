import { CfnOutput, type CfnOutputProps } from "aws-cdk-lib";
import type { Construct } from "constructs";

/**
 * A stack output under exactly this key, wherever in the tree it is made: tools read
 * cdk-outputs.json by key (infra/outputs.ts), and a construct's outputs would otherwise get its
 * path and a hash in their name. Two outputs with one key fail the synth.
 */
export function namedOutput(scope: Construct, key: string, props: CfnOutputProps): CfnOutput {
  const output = new CfnOutput(scope, key, props);
  output.overrideLogicalId(key);
  return output;
}
