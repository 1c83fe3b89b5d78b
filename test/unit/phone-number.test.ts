import { describe, expect, it } from "vitest";
import { parsePhoneNumber } from "../../functions/domain/phone-number.ts";

describe("parsePhoneNumber", () => {
  it.each(["010-1234-5678", "01012345678", "821012345678", "+821012345678", "+82 10-1234-5678", "0082-10-1234-5678"])(
    "reads the Korean mobile %j as +821012345678 and keeps it as sent",
    (asSent) => {
      expect(parsePhoneNumber(asSent)).toEqual({ asSent, e164: "+821012345678" });
    },
  );

  it("keeps surrounding whitespace in asSent while reading the number", () => {
    expect(parsePhoneNumber(" 010-1234-5678 ")).toEqual({ asSent: " 010-1234-5678 ", e164: "+821012345678" });
  });

  it.each([
    ["02-1234-5678", "+82212345678"],
    ["031-123-4567", "+82311234567"],
    ["1588-1234", "+8215881234"],
    ["15881234", "+8215881234"],
    ["1544-0000", "+8215440000"],
  ])("reads the Korean landline or representative number %j as %s", (asSent, e164) => {
    expect(parsePhoneNumber(asSent)).toEqual({ asSent, e164 });
  });

  it.each([
    ["+1 650-253-0000", "+16502530000"],
    ["001-1-650-253-0000", "+16502530000"],
  ])("reads the US number %j with its own country code", (asSent, e164) => {
    expect(parsePhoneNumber(asSent)).toEqual({ asSent, e164 });
  });

  it.each([
    ["empty", ""],
    ["whitespace only", "   "],
    ["letters", "abc"],
    ["too few digits", "12345"],
    ["too many digits (national)", "010123456789012"],
    ["too many digits (international)", "+8210123456789"],
  ])("rejects %s (%j)", (_label, asSent) => {
    expect(parsePhoneNumber(asSent)).toBeUndefined();
  });
});
