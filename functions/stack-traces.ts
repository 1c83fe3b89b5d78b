/**
 * Stack traces in terms of the TypeScript sources, paid for only when an error is logged.
 *
 * The functions run as one minified bundle (`index.mjs`) with its source map beside it
 * (`index.mjs.map`, infra/bundling.ts). `--enable-source-maps` would have Node read that map at
 * every cold start (9 to 11 ms more per import, measured: test/bench/cold-start.ts); instead, the
 * first stack a process logs loads it here, with node:module's SourceMap, and each frame in a
 * bundle is rewritten to the source file, line and column it came from. That first error pays for
 * decoding the mappings, once: about 30 ms for a processor, 55 ms for a receive function. (Turning
 * source maps on when an error comes, with `process.setSourceMapsEnabled`, would not do: Node
 * only maps modules loaded after it, and `module.findSourceMap` finds nothing for the bundle.)
 *
 * Frames of files without a map beside them (Node's own, the sources themselves in tests and on
 * the local stack) are left as they are, and so is the whole stack when anything goes wrong.
 */
import { existsSync, readFileSync } from "node:fs";
import { SourceMap, type SourceMapping } from "node:module";
import { fileURLToPath } from "node:url";

/** `    at name (location:line:column)` or `    at location:line:column`. */
const framePattern = /^(\s*at )(?:(.+) \((.+):(\d+):(\d+)\)|(.+):(\d+):(\d+))$/;

interface Frame {
  text: string;
  prefix?: string;
  name?: string;
  file?: string;
  line?: number;
  column?: number;
}

/** Maps already read, by bundle path; undefined when a bundle has none (or it could not be read). */
const maps = new Map<string, SourceMap | undefined>();

/** The stack with every frame in a source-mapped bundle in terms of its sources. */
export function sourceMappedStack(stack: string | undefined): string | undefined {
  if (stack === undefined) return stack;
  try {
    const frames = stack.split("\n").map(parseFrame);
    return frames.map((frame, index) => mapFrame(frame, frames[index + 1])).join("\n");
  } catch {
    return stack;
  }
}

function parseFrame(text: string): Frame {
  const match = framePattern.exec(text);
  if (!match) return { text };
  const [, prefix, name, namedFile, namedLine, namedColumn, file, line, column] = match;
  return {
    text,
    prefix,
    name,
    file: namedFile ?? file,
    line: Number(namedLine ?? line),
    column: Number(namedColumn ?? column),
  };
}

/**
 * The frame in terms of its source, as Node's `--enable-source-maps` gives it: the start of the
 * mapped token. A minified function name says nothing: the name is the one the caller's frame
 * calls it by, when that frame is in the same bundle (Node's fallback; the string has no more).
 */
function mapFrame(frame: Frame, caller: Frame | undefined): string {
  const map = frame.file === undefined ? undefined : sourceMapOf(frame.file);
  const origin = map && entryAt(map, frame);
  if (!map || !origin) return frame.text;
  const location = `${sourcePath(origin.originalSource)}:${origin.originalLine + 1}:${origin.originalColumn + 1}`;
  const callerName = caller !== undefined && caller.file === frame.file ? entryAt(map, caller)?.name : undefined;
  const name = frame.name?.replace(/#?[\w$]+$/, (minified) => callerName || minified);
  return name === undefined ? `${frame.prefix}${location}` : `${frame.prefix}${name} (${location})`;
}

/** The mapping of a frame's (1-based) position, if there is one; @types/node leaves out its `name`. */
function entryAt(map: SourceMap, { line, column }: Frame): (SourceMapping & { name?: string }) | undefined {
  if (line === undefined || column === undefined) return undefined;
  const entry = map.findEntry(line - 1, column - 1);
  return "originalSource" in entry ? entry : undefined;
}

/** The map beside a bundle (`index.mjs.map` for `index.mjs`), read once. */
function sourceMapOf(file: string): SourceMap | undefined {
  if (maps.has(file)) return maps.get(file);
  let map: SourceMap | undefined;
  try {
    const path = file.startsWith("file://") ? fileURLToPath(file) : file;
    if (path.startsWith("/") && existsSync(`${path}.map`)) {
      map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, "utf8")));
    }
  } catch {
    map = undefined;
  }
  maps.set(file, map);
  return map;
}

/** `../../functions/http/receive-endpoint.ts` (relative to the bundle) as `functions/http/receive-endpoint.ts`. */
const sourcePath = (source: string) => source.replace(/^(?:\.\.?\/)+/, "");
