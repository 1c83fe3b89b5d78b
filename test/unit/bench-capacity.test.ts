import { describe, expect, it } from "vitest";
import {
  type Item,
  indexEntry,
  itemSize,
  numberSize,
  readUnits,
  type TableShape,
  valueSize,
  writeUnits,
} from "../bench/capacity.ts";

describe("item sizes, by DynamoDB's rules", () => {
  it("counts attribute names and string values in UTF-8 bytes", () => {
    expect(itemSize({ id: { S: "abc" } })).toBe(2 + 3);
    // Hangul syllables are 3 bytes each in UTF-8, not 1 per character.
    expect(itemSize({ 본문: { S: "안녕" } })).toBe(6 + 6);
    expect(itemSize({ e: { S: "😀" } })).toBe(1 + 4);
  });

  it.each([
    ["0", 1],
    ["1", 2],
    ["10", 2],
    ["100", 2],
    ["123", 3],
    ["1234", 3],
    ["1.2", 3],
    ["12.5", 3],
    ["0.001", 2],
    ["1767258000", 5],
    ["-1", 3],
    ["1e3", 2],
    ["0012.3400", 3],
  ])("stores the number %s in %i bytes (base 100, aligned on the decimal point)", (value, bytes) => {
    expect(numberSize(value)).toBe(bytes);
  });

  it("counts binary values in raw bytes, whether base64 (wire) or bytes (SDK)", () => {
    expect(valueSize({ B: "AAEC" })).toBe(3);
    expect(valueSize({ B: new Uint8Array([0, 1, 2]) })).toBe(3);
    expect(valueSize({ BS: ["AAEC", new Uint8Array([1])] })).toBe(4);
  });

  it("counts a Boolean or a null as 1 byte and sets as the sum of their elements", () => {
    expect(valueSize({ BOOL: false })).toBe(1);
    expect(valueSize({ NULL: true })).toBe(1);
    expect(valueSize({ SS: ["a", "bc"] })).toBe(3);
    expect(valueSize({ NS: ["1", "123"] })).toBe(2 + 3);
  });

  it("gives lists and maps 3 bytes, and each element 1 byte more (a map's element its name too)", () => {
    expect(valueSize({ L: [] })).toBe(3);
    expect(valueSize({ M: {} })).toBe(3);
    expect(valueSize({ L: [{ S: "a" }, { N: "1" }] })).toBe(3 + (1 + 1) + (1 + 2));
    expect(valueSize({ M: { ab: { S: "c" } } })).toBe(3 + (1 + 2 + 1));
    expect(itemSize({ m: { M: { l: { L: [{ BOOL: true }] } } } })).toBe(1 + 3 + (1 + 1 + (3 + 1 + 1)));
  });

  it("sizes no item as 0", () => {
    expect(itemSize(undefined)).toBe(0);
  });
});

describe("read units", () => {
  it.each([
    [0, "strong", 1],
    [0, "eventual", 0.5],
    [0, "transactional", 2],
    [4096, "strong", 1],
    [4097, "strong", 2],
    [4097, "eventual", 1],
    [8193, "transactional", 6],
  ] as const)("reads %i bytes %s for %s RRU", (bytes, consistency, units) => {
    expect(readUnits(bytes, consistency)).toBe(units);
  });
});

const padded = (name: string, bytes: number, extra: Item = {}): Item => {
  const base: Item = { pk: { S: name }, ...extra };
  const filler = bytes - itemSize(base) - "pad".length;
  return { ...base, pad: { S: "x".repeat(Math.max(0, filler)) } };
};

const withIndexes: TableShape = {
  keyAttributes: ["pk"],
  indexes: [
    { name: "all", keyAttributes: ["group", "at"], projection: { type: "ALL" } },
    { name: "keys", keyAttributes: ["group"], projection: { type: "KEYS_ONLY" } },
  ],
};
const plain: TableShape = { keyAttributes: ["pk"], indexes: [] };

describe("write units", () => {
  it("charges 1 WRU per KB of the larger of the item before and after, at least 1", () => {
    expect(writeUnits(plain, undefined, padded("a", 100), { succeeded: true }).total).toBe(1);
    expect(writeUnits(plain, undefined, padded("a", 1024), { succeeded: true }).total).toBe(1);
    expect(writeUnits(plain, undefined, padded("a", 1025), { succeeded: true }).total).toBe(2);
    expect(writeUnits(plain, padded("a", 3000), padded("a", 100), { succeeded: true }).total).toBe(3);
    expect(writeUnits(plain, padded("a", 2500), undefined, { succeeded: true }).total).toBe(3);
  });

  it("charges a refused conditional write the existing item's size, at least 1, and no index", () => {
    const existing = padded("a", 3000, { group: { S: "g" }, at: { S: "t" } });
    expect(writeUnits(withIndexes, existing, existing, { succeeded: false })).toEqual({
      table: 3,
      indexes: {},
      total: 3,
    });
    expect(writeUnits(withIndexes, undefined, undefined, { succeeded: false }).total).toBe(1);
  });

  it("adds a write to each index an item enters, by the size of its entry", () => {
    const item = padded("a", 1500, { group: { S: "g" }, at: { S: "t" } });
    expect(writeUnits(withIndexes, undefined, item, { succeeded: true })).toEqual({
      table: 2,
      indexes: { all: 2, keys: 1 },
      total: 5,
    });
  });

  it("leaves out an index the item has no key for (sparse), before and after", () => {
    expect(writeUnits(withIndexes, undefined, padded("a", 500), { succeeded: true }).total).toBe(1);
  });

  it("charges one write where projected attributes change, none where the entry stays the same", () => {
    const before = padded("a", 900, { group: { S: "g" }, at: { S: "t" } });
    const after = padded("a", 1100, { group: { S: "g" }, at: { S: "t" } });
    // ALL projects the padding, which changed; KEYS_ONLY does not.
    expect(writeUnits(withIndexes, before, after, { succeeded: true }).indexes).toEqual({ all: 2 });
    expect(writeUnits(withIndexes, before, before, { succeeded: true }).indexes).toEqual({});
  });

  it("charges two writes (remove, add) where the index key changes", () => {
    const before = padded("a", 500, { group: { S: "g" }, at: { S: "t1" } });
    const after = padded("a", 500, { group: { S: "g" }, at: { S: "t2" } });
    expect(writeUnits(withIndexes, before, after, { succeeded: true }).indexes).toEqual({ all: 2 });
  });

  it("charges one write to remove an entry the item leaves", () => {
    const before = padded("a", 500, { group: { S: "g" }, at: { S: "t" } });
    expect(writeUnits(withIndexes, before, undefined, { succeeded: true })).toEqual({
      table: 1,
      indexes: { all: 1, keys: 1 },
      total: 3,
    });
  });

  it("doubles a transactional write", () => {
    const item = padded("a", 1500, { group: { S: "g" }, at: { S: "t" } });
    expect(writeUnits(withIndexes, undefined, item, { succeeded: true, transactional: true }).total).toBe(10);
  });

  describe("an index entry holds its projection, and is written only when that changes", () => {
    const shape: TableShape = {
      keyAttributes: ["pk"],
      indexes: [
        { name: "keys", keyAttributes: ["group", "at"], projection: { type: "KEYS_ONLY" } },
        {
          name: "include",
          keyAttributes: ["group", "at"],
          projection: { type: "INCLUDE", nonKeyAttributes: ["note"] },
        },
        { name: "all", keyAttributes: ["group", "at"], projection: { type: "ALL" } },
      ],
    };
    const keys = { group: { S: "g" }, at: { S: "t1" } };
    // 3,000 bytes, of which 1,500 in `note`.
    const stored = padded("a", 3000, { ...keys, note: { S: "n".repeat(1500) }, count: { N: "1" } });

    it("a new item: a keys-only entry is its keys' size, an INCLUDE entry the keys and the listed attributes, ALL the item", () => {
      expect(writeUnits(shape, undefined, stored, { succeeded: true })).toEqual({
        table: 3,
        indexes: { keys: 1, include: 2, all: 3 },
        total: 9,
      });
    });

    it("an update of an attribute no index key or projection names writes only the ALL index", () => {
      const after = { ...stored, count: { N: "2" } };
      expect(writeUnits(shape, stored, after, { succeeded: true }).indexes).toEqual({ all: 3 });
    });

    it("an update of an included attribute writes the INCLUDE entry too, at the larger of its sizes", () => {
      // The item grows from 3,000 to 3,600 bytes, its INCLUDE entry from about 1,500 to 2,100.
      const after = { ...stored, note: { S: "m".repeat(2100) } };
      expect(writeUnits(shape, stored, after, { succeeded: true }).indexes).toEqual({ include: 3, all: 4 });
    });

    it("an update of an index key deletes and puts every entry, each at its own size", () => {
      const after = { ...stored, at: { S: "t2" } };
      expect(writeUnits(shape, stored, after, { succeeded: true }).indexes).toEqual({
        keys: 1 + 1,
        include: 2 + 2,
        all: 3 + 3,
      });
    });

    it("a put that rewrites the item unchanged writes no entry", () => {
      expect(writeUnits(shape, stored, { ...stored }, { succeeded: true }).indexes).toEqual({});
    });
  });

  it("projects the keys only, or the keys and the included attributes", () => {
    const item: Item = { pk: { S: "a" }, group: { S: "g" }, at: { S: "t" }, note: { S: "n" }, other: { S: "o" } };
    const include: TableShape["indexes"][number] = {
      name: "include",
      keyAttributes: ["group"],
      projection: { type: "INCLUDE", nonKeyAttributes: ["note"] },
    };
    expect(indexEntry(item, withIndexes, withIndexes.indexes[1] as never)).toEqual({
      pk: { S: "a" },
      group: { S: "g" },
    });
    expect(indexEntry(item, withIndexes, include)).toEqual({ pk: { S: "a" }, group: { S: "g" }, note: { S: "n" } });
  });
});
