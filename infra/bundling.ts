/**
 * How a handler is bundled for Lambda, defined once: the CDK function construct passes these to
 * NodejsFunction's local esbuild, and the cold-start benchmark bundles with the same settings,
 * so what it measures is what is deployed.
 */
export const handlerBundling = {
  format: "esm",
  // Prefer packages' ESM builds, which esbuild can tree-shake.
  mainFields: ["module", "main"],
  /**
   * The handlers are ESM; a CommonJS dependency bundled into ESM still calls `require` for Node
   * built-ins, which ESM does not define. The alias keeps clear of a bundled `createRequire`.
   */
  banner:
    "import { createRequire as receiverCreateRequire } from 'node:module'; const require = receiverCreateRequire(import.meta.url);",
  minify: true,
  /**
   * `index.mjs.map` beside the bundle, with the mappings only (the sources would double the asset).
   * Node does not read it at start (no `--enable-source-maps`, which added 9 to 11 ms to every
   * cold start): functions/stack-traces.ts reads it when an error is logged.
   */
  sourceMap: true,
  sourcesContent: false,
} as const;
