/** application/json (and application/*+json): an object whose members become fields. */
import { resultCodes } from "../../domain/tobetext-result.ts";
import { ToBeTextHttpError } from "../errors.ts";
import { decodeUtf8Strictly, type FieldText, type ReceivedField } from "./charset.ts";

/** ToBeText's fields are flat; this leaves room for any structured extra field. */
const maxJsonDepth = 32;

export function readJson(body: Buffer): ReceivedField[] {
  // JSON is UTF-8 by definition (RFC 8259); a BOM is tolerated.
  const text = decodeUtf8Strictly(body);
  if (text === undefined) throw new ToBeTextHttpError(400, resultCodes.badBody, "JSON body is not valid UTF-8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    throw new ToBeTextHttpError(400, resultCodes.badBody, "invalid JSON body");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ToBeTextHttpError(400, resultCodes.badBody, "JSON body is not an object");
  }
  // A nested value is kept as its JSON text; past a few levels, writing it again would overflow the stack.
  if (nestedDeeperThan(parsed, maxJsonDepth)) {
    throw new ToBeTextHttpError(400, resultCodes.badBody, `JSON body nests deeper than ${maxJsonDepth} levels`);
  }
  return Object.entries(parsed).map(([name, value]) => ({ name, value: jsonText(jsonValueText(value)) }));
}

/** Iterative, so that no depth a body can have overflows the stack here either. */
function nestedDeeperThan(root: object, limit: number): boolean {
  const pending: [unknown, number][] = [[root, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, depth] = next;
    if (typeof value !== "object" || value === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
  return false;
}

/** null becomes "" rather than the word "null", which could pass for a real value. */
function jsonValueText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function jsonText(text: string): FieldText {
  return { text, charset: /^\p{ASCII}*$/u.test(text) ? "ascii" : "utf-8" };
}
