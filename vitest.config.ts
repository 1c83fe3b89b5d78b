import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration tests start real local servers; give them room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { LOG_LEVEL: "silent", POWERTOOLS_METRICS_DISABLED: "true" },
  },
});
