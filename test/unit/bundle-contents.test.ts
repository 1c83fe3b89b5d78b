/**
 * What each function's bundle holds, bundled as deployed (infra/bundling.ts). Each module kept out
 * here once weighed on every cold start (test/bench/cold-start.ts measures it): iconv-lite's CP949
 * table, fast-xml-parser, valibot and libphonenumber-js's own metadata in the receive functions;
 * phone-number code and metadata in the processors, which parse no number. The sender parses the
 * numbers it sends to (with the trimmed metadata) and ToBeText's XML answer, and no envelope.
 */
import { resolve } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { handlerBundling } from "../../infra/bundling.ts";
import { consumers, routes } from "../../infra/topology.ts";

const root = resolve(import.meta.dirname, "../..");

/** The files esbuild put in the bundle of `entry`, relative to the repository. */
async function bundledFiles(entry: string): Promise<string[]> {
  const { metafile } = await build({
    entryPoints: [resolve(root, entry)],
    outfile: "index.mjs",
    write: false,
    metafile: true,
    bundle: true,
    platform: "node",
    target: "node24",
    format: handlerBundling.format,
    minify: handlerBundling.minify,
    mainFields: [...handlerBundling.mainFields],
    banner: { js: handlerBundling.banner },
    logLevel: "silent",
  });
  return Object.entries(Object.values(metafile.outputs)[0]?.inputs ?? {})
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([file]) => file.replace(/^.*node_modules\//, "node_modules/"));
}

const matching = (files: string[], pattern: RegExp) => files.filter((file) => pattern.test(file));

describe("bundle contents", () => {
  it.each(Object.entries(routes))(
    "%s: no CP949 table, XML library, schema library, multipart library or stock phone metadata",
    async (_id, route) => {
      const files = await bundledFiles(route.entry);
      expect(matching(files, /functions\/domain\/phone-number\.ts$/)).toHaveLength(1);
      expect(matching(files, /functions\/domain\/phone-metadata\.ts$/)).toHaveLength(1);
      expect(matching(files, /node_modules\/(iconv-lite|fast-xml-parser|fast-xml-builder|valibot)\//)).toEqual([]);
      // busboy, even loaded with the first multipart body only, was parsed with the bundle at every cold start.
      expect(matching(files, /node_modules\/(busboy|streamsearch)\//)).toEqual([]);
      expect(matching(files, /node_modules\/libphonenumber-js\/metadata/)).toEqual([]);
    },
  );

  const { sender, ...processors } = consumers;
  it.each(Object.entries(processors))("%s: no phone-number code or metadata", async (_id, consumer) => {
    const files = await bundledFiles(consumer.entry);
    expect(matching(files, /node_modules\/valibot\//).length).toBeGreaterThan(0);
    expect(matching(files, /phone-metadata|libphonenumber-js|iconv-lite|busboy/)).toEqual([]);
  });

  it("sender: the trimmed phone metadata and the XML parser, no envelope schema or request decoding", async () => {
    const files = await bundledFiles(sender.entry);
    expect(matching(files, /functions\/domain\/phone-metadata\.ts$/)).toHaveLength(1);
    expect(matching(files, /node_modules\/fast-xml-parser\//).length).toBeGreaterThan(0);
    expect(
      matching(files, /node_modules\/libphonenumber-js\/metadata|node_modules\/(valibot|iconv-lite|busboy)\//),
    ).toEqual([]);
  });
});
