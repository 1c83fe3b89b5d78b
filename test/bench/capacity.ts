/**
 * DynamoDB's item sizes and capacity units, by AWS's published rules, for the bench's meter.
 *
 * Item size (developer guide, "DynamoDB item sizes and formats"): the sum over attributes of the
 * UTF-8 bytes of the name plus the value's size. A string is its UTF-8 bytes; a binary its raw bytes;
 * a Boolean or null 1 byte; a List or Map 3 bytes plus, per element, 1 byte plus the element (a Map
 * element's name counts too); a set the sum of its elements. A number is stored in base 100: 1 byte
 * plus one per pair of significant digits aligned on the decimal point, plus 1 if negative (AWS
 * documents "about 1 byte per two significant digits, plus 1"; the exact count is the one dynalite
 * reproduces from DynamoDB).
 *
 * Capacity ("Read and write operations", "Global secondary indexes"): a write costs 1 WRU per KB
 * (1,024 bytes, rounded up) of the larger of the item before and after it; a conditional write whose
 * condition fails costs the existing item's size, at least 1 WRU, and touches no index. An item's entry
 * in a secondary index holds the index's projection: KEYS_ONLY the table's and the index's key
 * attributes, INCLUDE those and the listed attributes, ALL the whole item; an item lacking an index key
 * has none (a sparse index). Each index whose entry changes costs writes of the entry, 1 WRU per KB of
 * it: one to add it (an index key set) or remove it (one removed), one to change its projected attributes
 * (at the larger of its sizes), two (remove the old entry, add the new) when an index key changes; an
 * index whose entry stays the same (no index key or projected attribute changed) costs nothing.
 *
 * A strongly consistent read costs 1 RRU per 4 KB (rounded up, at least 1, found or not), an eventually
 * consistent one half that; transactional reads and writes cost twice.
 *
 * Pure: test/unit/bench-capacity.test.ts pins it.
 */

/** An attribute value as DynamoDB's wire JSON carries it (binary as base64), or as the SDK returns it (binary as bytes). */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string | Uint8Array }
  | { BOOL: boolean }
  | { NULL: boolean }
  | { L: AttributeValue[] }
  | { M: Item }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: (string | Uint8Array)[] };

export type Item = Record<string, AttributeValue>;

export interface IndexShape {
  name: string;
  /** The index's partition key, and sort key if it has one. */
  keyAttributes: string[];
  projection: { type: "ALL" } | { type: "KEYS_ONLY" } | { type: "INCLUDE"; nonKeyAttributes: string[] };
}

export interface TableShape {
  keyAttributes: string[];
  indexes: IndexShape[];
}

export type ReadConsistency = "eventual" | "strong" | "transactional";

const utf8 = (text: string) => Buffer.byteLength(text, "utf8");
const rawBytes = (value: string | Uint8Array) =>
  typeof value === "string" ? Buffer.from(value, "base64").length : value.length;

/** Bytes DynamoDB counts for a number given as DynamoDB's string form ("-12.5", "1e3", "0.001"). */
export function numberSize(value: string): number {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(value.trim());
  if (!match) throw new RangeError(`not a DynamoDB number: ${value}`);
  const [, sign, whole = "", fraction = "", exponent = "0"] = match;
  let digits = whole + fraction;
  // Digits left of the decimal point.
  let point = whole.length + Number(exponent);
  const leading = /^0*/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(leading).replace(/0+$/, "");
  point -= leading;
  if (digits.length === 0) return 1;
  // Powers of ten of the first and last significant digits; base-100 digits pair powers 2k+1 and 2k.
  const first = point - 1;
  const last = first - digits.length + 1;
  const pairs = Math.floor(first / 2) - Math.floor(last / 2) + 1;
  return 1 + pairs + (sign === "-" ? 1 : 0);
}

export function valueSize(value: AttributeValue): number {
  if ("S" in value) return utf8(value.S);
  if ("N" in value) return numberSize(value.N);
  if ("B" in value) return rawBytes(value.B);
  if ("BOOL" in value || "NULL" in value) return 1;
  if ("SS" in value) return value.SS.reduce((sum, each) => sum + utf8(each), 0);
  if ("NS" in value) return value.NS.reduce((sum, each) => sum + numberSize(each), 0);
  if ("BS" in value) return value.BS.reduce((sum, each) => sum + rawBytes(each), 0);
  if ("L" in value) return 3 + value.L.reduce((sum, each) => sum + 1 + valueSize(each), 0);
  if ("M" in value) {
    return 3 + Object.entries(value.M).reduce((sum, [name, each]) => sum + 1 + utf8(name) + valueSize(each), 0);
  }
  throw new TypeError(`not a DynamoDB attribute value: ${JSON.stringify(value)}`);
}

/** An item's size in bytes; 0 for no item. */
export function itemSize(item: Item | undefined): number {
  if (item === undefined) return 0;
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0);
}

const kilobytes = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

/** RRU for reading `bytes` (an item, or the sum of what a Query or Scan read). */
export function readUnits(bytes: number, consistency: ReadConsistency): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return consistency === "eventual" ? units / 2 : consistency === "strong" ? units : units * 2;
}

/** The entry an item has in an index, or undefined when it lacks the index's key (a sparse index). */
export function indexEntry(item: Item | undefined, table: TableShape, index: IndexShape): Item | undefined {
  if (item === undefined || !index.keyAttributes.every((name) => name in item)) return undefined;
  if (index.projection.type === "ALL") return item;
  const kept = new Set([...table.keyAttributes, ...index.keyAttributes]);
  if (index.projection.type === "INCLUDE") for (const name of index.projection.nonKeyAttributes) kept.add(name);
  return Object.fromEntries(Object.entries(item).filter(([name]) => kept.has(name)));
}

export interface WriteUnits {
  table: number;
  /** Per index name; only indexes that were written. */
  indexes: Record<string, number>;
  total: number;
}

/**
 * WRU of one item write (PutItem, UpdateItem, DeleteItem, or one item of a batch or transaction):
 * `before` and `after` are the item as stored before and after it (undefined when absent);
 * `succeeded` is false when its condition failed (then nothing changed).
 */
export function writeUnits(
  table: TableShape,
  before: Item | undefined,
  after: Item | undefined,
  options: { succeeded: boolean; transactional?: boolean },
): WriteUnits {
  const factor = options.transactional ? 2 : 1;
  if (!options.succeeded) {
    const units = kilobytes(itemSize(before)) * factor;
    return { table: units, indexes: {}, total: units };
  }
  const tableUnits = kilobytes(Math.max(itemSize(before), itemSize(after))) * factor;
  const indexes: Record<string, number> = {};
  for (const index of table.indexes) {
    const units = indexWriteUnits(table, index, before, after) * factor;
    if (units > 0) indexes[index.name] = units;
  }
  const total = tableUnits + Object.values(indexes).reduce((sum, units) => sum + units, 0);
  return { table: tableUnits, indexes, total };
}

function indexWriteUnits(table: TableShape, index: IndexShape, before: Item | undefined, after: Item | undefined) {
  const old = indexEntry(before, table, index);
  const next = indexEntry(after, table, index);
  if (old === undefined && next === undefined) return 0;
  if (old === undefined) return kilobytes(itemSize(next));
  if (next === undefined) return kilobytes(itemSize(old));
  const keyOf = (entry: Item) => index.keyAttributes.map((name) => canonical(entry[name])).join("\u0000");
  if (keyOf(old) !== keyOf(next)) return kilobytes(itemSize(old)) + kilobytes(itemSize(next));
  if (canonical({ M: old }) === canonical({ M: next })) return 0;
  return kilobytes(Math.max(itemSize(old), itemSize(next)));
}

/** A value's canonical text (map keys sorted, binary as base64), to compare two values. */
export function canonical(value: AttributeValue | undefined): string {
  if (value === undefined) return "";
  if ("B" in value) return `B:${typeof value.B === "string" ? value.B : Buffer.from(value.B).toString("base64")}`;
  if ("BS" in value) {
    return `BS:${value.BS.map((each) => (typeof each === "string" ? each : Buffer.from(each).toString("base64")))
      .sort()
      .join(",")}`;
  }
  if ("SS" in value) return `SS:${JSON.stringify([...value.SS].sort())}`;
  if ("NS" in value) return `NS:${JSON.stringify([...value.NS].sort())}`;
  if ("L" in value) return `L:[${value.L.map(canonical).join(",")}]`;
  if ("M" in value) {
    return `M:{${Object.keys(value.M)
      .sort()
      .map((name) => `${JSON.stringify(name)}=${canonical(value.M[name])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}
