import { Stack, Validations } from "aws-cdk-lib";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { sendCredentialSettings } from "../../functions/contract.ts";
import { outputKeys } from "../outputs.ts";
import { namedOutput } from "./named-output.ts";

/**
 * ToBeText's credentials for sending, `{"cid": "...", "token": "..."}`, which ToBeText issues: the stack
 * makes the secret with a placeholder (Cid `SET-ME`, a random token ToBeText will refuse), and the operator
 * puts the real ones with `aws secretsmanager put-secret-value` (README "Who may send (IAM)"). Never in
 * the template or an output. Only the sender is granted read access to it.
 */
export function toBeTextCredentials(scope: Construct, id: string): Secret {
  const secret = new Secret(scope, id, {
    description: `ToBeText's Cid and token, with which ${Stack.of(scope).stackName} sends SMS: {"cid": "...", "token": "..."}`,
    // Generated once, when the secret is made: a later deploy leaves the value put since alone. Changing
    // this would make CloudFormation generate a new value over the real credentials.
    generateSecretString: {
      secretStringTemplate: JSON.stringify({ cid: sendCredentialSettings.placeholderCid }),
      generateStringKey: "token",
      excludePunctuation: true,
      includeSpace: false,
    },
  });
  Validations.of(secret).acknowledge({
    id: "AwsSolutions-SMG4",
    reason:
      "ToBeText issues the Cid and token; rotating them is manual: ask ToBeText for new ones and put them with put-secret-value (README).",
  });
  namedOutput(scope, outputKeys.toBeTextCredentialsSecretArn, {
    value: secret.secretArn,
    description:
      'Put ToBeText\'s Cid and token here: aws secretsmanager put-secret-value --secret-string \'{"cid":"...","token":"..."}\'.',
  });
  return secret;
}
