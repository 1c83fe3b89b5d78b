import { Stack, Validations } from "aws-cdk-lib";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { outputKeys } from "../outputs.ts";
import { namedOutput } from "./named-output.ts";

/**
 * The secret last path segment of the URLs, generated at deploy and never written in the template
 * or an output; each ReceiveRoute grants its function read access. Made in the scope given, under
 * the id given: replacing it would change every registered URL.
 */
export function urlSecret(scope: Construct, id: string): Secret {
  const secret = new Secret(scope, id, {
    description: `The secret last path segment of ${Stack.of(scope).stackName}'s URLs: {"current": "...", "previous": "..."}`,
    generateSecretString: {
      secretStringTemplate: "{}",
      generateStringKey: "current",
      excludePunctuation: true,
      includeSpace: false,
      passwordLength: 40,
    },
  });
  Validations.of(secret).acknowledge({
    id: "AwsSolutions-SMG4",
    reason:
      "Rotating it means registering a new URL with ToBeText, a manual step: SECURITY.md describes the two-secret rotation.",
  });
  namedOutput(scope, outputKeys.urlSecretArn, {
    value: secret.secretArn,
    description: "The URL secret; each URL to register ends with /<current>. npm run smoke prints the full URLs.",
  });
  return secret;
}
