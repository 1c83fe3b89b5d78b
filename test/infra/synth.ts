/** The stack as `cdk synth` makes it, for the infra tests: cdk.json's context, the topology, no AWS. */
import { readFileSync, rmSync } from "node:fs";
import type { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { createReceiverApp } from "../../infra/app.ts";
import type { ReceiverStack } from "../../infra/stack.ts";

/** cdk.json's context: its feature flags, as `cdk synth` passes them. */
export const cdkJsonContext = (
  JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8")) as { context: Record<string, unknown> }
).context;

export interface SynthesizedStack {
  app: App;
  stack: ReceiverStack;
  template: Template;
  /** Removes what the synth wrote (its cdk.out). */
  remove(): void;
}

/**
 * An app with cdk.json's context and these values, synthesized without bundling the Lambdas (which
 * changes no template property the infra tests read). Call `remove` when done.
 */
export function synthWithoutBundling(context: Record<string, unknown>): SynthesizedStack {
  const { app, stack } = createReceiverApp({
    context: { ...cdkJsonContext, "aws:cdk:bundling-stacks": [], ...context },
  });
  return {
    app,
    stack,
    template: Template.fromStack(stack),
    remove: () => rmSync(app.outdir, { recursive: true, force: true }),
  };
}
