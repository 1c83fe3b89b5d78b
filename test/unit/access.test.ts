import { describe, expect, it } from "vitest";
import { readUserSettings } from "../../functions/config/user-settings.ts";
import { checkAccess } from "../../functions/http/access.ts";

const secrets = ["current-secret-0123456789", "previous-secret-0123456789"];

describe("checkAccess", () => {
  it("lets through either valid secret from any caller when there is no allowlist", () => {
    for (const secret of secrets) expect(checkAccess("198.51.100.1", secret, secrets, undefined)).toBeUndefined();
  });

  it.each([
    [undefined, "missing-secret"],
    ["", "missing-secret"],
    ["current-secret-012345678", "wrong-secret"],
    ["current-secret-01234567890", "wrong-secret"],
    ["CURRENT-SECRET-0123456789", "wrong-secret"],
  ])("answers %j with 404 (%s)", (presented, reason) => {
    expect(checkAccess("198.51.100.1", presented, secrets, undefined)).toEqual({ status: 404, reason });
  });

  it("checks the caller's address first: outside the allowlist is 403 even with the right secret", () => {
    const { allowedSources: allowed } = readUserSettings({
      TOBETEXT_ALLOWED_CIDRS: "203.0.113.0/24, 2001:db8::/32, 192.0.2.7",
    });
    expect(checkAccess("198.51.100.1", secrets[0], secrets, allowed)).toEqual({
      status: 403,
      reason: "source-not-allowed",
    });
    expect(checkAccess("203.0.113.200", secrets[0], secrets, allowed)).toBeUndefined();
    expect(checkAccess("2001:db8::1", secrets[0], secrets, allowed)).toBeUndefined();
    expect(checkAccess("192.0.2.7", secrets[0], secrets, allowed)).toBeUndefined();
    expect(checkAccess("192.0.2.8", secrets[0], secrets, allowed)?.status).toBe(403);
    expect(checkAccess("not an address", secrets[0], secrets, allowed)?.status).toBe(403);
  });
});

// Reading the allowlist (TOBETEXT_ALLOWED_CIDRS) is the configuration's: test/unit/config.test.ts.
