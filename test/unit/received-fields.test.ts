import { describe, expect, it } from "vitest";
import { fieldIgnoringCase } from "../../functions/domain/received-fields.ts";

describe("fieldIgnoringCase", () => {
  it("finds a field however its name is cased, first match winning", () => {
    expect(fieldIgnoringCase({ Ckey: "abc" }, "CKey")).toBe("abc");
    expect(fieldIgnoringCase({ CKey: "abc" }, "Ckey")).toBe("abc");
    expect(fieldIgnoringCase({ ckey: "first", CKEY: "second" }, "CKey")).toBe("first");
    expect(fieldIgnoringCase({ Ckey: "abc" }, "MsgId")).toBeUndefined();
  });
});
