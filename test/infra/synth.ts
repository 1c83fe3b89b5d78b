/** The stack as `cdk synth` makes it, for the infra tests: cdk.json's context, the topology, no AWS. */
import { readFileSync, rmSync } from "node:fs";
import type { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { afterAll, beforeAll } from "vitest";
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

/**
 * The stack synthesized once for a test file: before its tests (handed to `use`, which keeps what it
 * reads), removed after them.
 */
export function synthOncePerFile(context: Record<string, unknown>, use: (synthesized: SynthesizedStack) => void): void {
  let synthesized: SynthesizedStack | undefined;
  beforeAll(() => {
    synthesized = synthWithoutBundling(context);
    use(synthesized);
  });
  afterAll(() => synthesized?.remove());
}

/** A statement of an IAM policy, as the template has it. */
export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every statement of every policy the template attaches to the function's role. */
export function roleStatements(
  { stack, template }: Pick<SynthesizedStack, "stack" | "template">,
  fn: IFunction,
): Statement[] {
  const roleRef = JSON.stringify(stack.resolve(fn.role?.roleName));
  return Object.values(template.findResources("AWS::IAM::Policy"))
    .filter((policy) => (policy.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === roleRef))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}
