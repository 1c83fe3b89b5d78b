/**
 * The CDK app: one ReceiverStack per stage (`-c stage=prod`, default "dev"), checked against the
 * AWS Solutions rules of cdk-nag. `npx cdk synth` runs this file with Node, which runs TypeScript.
 */
import { App, type AppProps, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { ReceiverStack } from "./stack.ts";

const defaultStage = "dev";

export interface ReceiverApp {
  app: App;
  stack: ReceiverStack;
}

/** Exported for the tests, so that they check the app as deployed: same stack, same rule pack. */
export function createReceiverApp(props: AppProps = {}): ReceiverApp {
  const app = new App(props);
  const stage = stageOf(app);
  const stack = new ReceiverStack(app, `ToBeTextReceiver-${stage}`, {
    description: `ToBeText SMS receiver (${stage}): API Gateway, Lambda, SQS, DynamoDB`,
  });
  // cdk-nag 3 is a policy validation plugin: a finding not acknowledged in code fails the synth.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

/** Part of the stack name, so letters, digits and hyphens only. */
function stageOf(app: App): string {
  const stage: unknown = app.node.tryGetContext("stage") ?? defaultStage;
  if (typeof stage !== "string" || !/^[A-Za-z][A-Za-z0-9-]{0,63}$/.test(stage)) {
    throw new Error(
      `Context "stage" must be letters, digits and hyphens, starting with a letter; got ${String(stage)}`,
    );
  }
  return stage;
}

// The CDK CLI runs this file; the App synthesizes on exit.
if (import.meta.main) createReceiverApp();
