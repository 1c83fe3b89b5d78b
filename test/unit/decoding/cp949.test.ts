import iconv from "iconv-lite";
import table from "iconv-lite/encodings/tables/cp949.json" with { type: "json" };
import { describe, expect, it } from "vitest";
import { cp949Characters, decodeCp949Strictly } from "../../../functions/http/decoding/cp949.ts";

/** iconv-lite's CP949 table, read as its decoder reads it: two-byte code → character. */
function iconvTable(): Map<number, string> {
  const map = new Map<number, string>();
  for (const [start, ...parts] of table as [string, ...(string | number)[]][]) {
    let code = Number.parseInt(start, 16);
    let previous = 0;
    for (const part of parts) {
      const run =
        typeof part === "string"
          ? [...part].map((char) => char.codePointAt(0) as number)
          : Array.from({ length: part }, (_, index) => previous + index + 1);
      for (const codePoint of run) {
        if (code > 0xff) map.set(code, String.fromCodePoint(codePoint));
        code++;
        previous = codePoint;
      }
    }
  }
  return map;
}

describe("CP949 without a table", () => {
  const reference = iconvTable();

  it("has exactly iconv-lite's CP949 characters, code for code", () => {
    const computed = cp949Characters();
    expect(computed.size).toBe(17_048);
    expect(Object.fromEntries(computed)).toEqual(Object.fromEntries(reference));
  });

  it("decodes every two-byte sequence from 80 00 to FF FF as iconv-lite's table does, or refuses it", () => {
    const mismatches: string[] = [];
    for (let lead = 0x80; lead <= 0xff; lead++) {
      for (let trail = 0x00; trail <= 0xff; trail++) {
        const bytes = Buffer.from([lead, trail]);
        const expected = reference.get((lead << 8) | trail);
        const decoded = decodeCp949Strictly(bytes);
        if (decoded !== expected) mismatches.push(`${bytes.toString("hex")}: ${decoded} instead of ${expected}`);
        if (expected === undefined) continue;
        // What the table holds is what iconv-lite itself decodes, and encodes back to the same bytes.
        const roundTrips = iconv.decode(bytes, "cp949") === expected && iconv.encode(expected, "cp949").equals(bytes);
        if (!roundTrips) mismatches.push(`${bytes.toString("hex")}: iconv-lite does not decode it to ${expected}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("decodes EUC-KR text, CP949's extension syllables and ASCII together", () => {
    const text = "TOBE 똠방각하 안녕하세요 € ® 漢字 ㈜";
    expect(decodeCp949Strictly(iconv.encode(text, "cp949"))).toBe(text);
    expect(decodeCp949Strictly(Buffer.from([0x8c, 0x63]))).toBe("똠");
  });

  it("refuses a lead byte without its trail, and bytes of no character", () => {
    expect(decodeCp949Strictly(Buffer.from([0x41, 0xb0]))).toBeUndefined();
    expect(decodeCp949Strictly(Buffer.from([0xc9, 0xa1]))).toBeUndefined();
    expect(decodeCp949Strictly(Buffer.from([0xff, 0xfe, 0x80]))).toBeUndefined();
  });
});
