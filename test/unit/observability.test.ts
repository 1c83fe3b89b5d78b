import { describe, expect, it } from "vitest";
import { describeText, maskPhone } from "../../functions/observability.ts";

const digitsOf = (value: string | undefined) => (value ?? "").replace(/\D/g, "");

describe("maskPhone", () => {
  it.each([
    ["+821012345678", "+82********78"],
    ["010-1234-5678", "01*******78"],
    ["+82 10-1234-5678", "+82********78"],
    ["+16502530000", "+16*******00"],
    ["12345", "12*45"],
  ])("masks %j as %j", (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });

  it.each([
    ["+821012345678", "10123456"],
    ["010-9876-5432", "9876"],
    ["+16502530000", "5025300"],
  ])("keeps at most the first 2 and last 2 digits of %j (the middle %s is gone)", (phone, middle) => {
    const masked = maskPhone(phone);
    const digits = digitsOf(masked);
    expect(digits.length).toBeLessThanOrEqual(4);
    expect(digits).toBe(digitsOf(phone).slice(0, 2) + digitsOf(phone).slice(-2));
    expect(masked).not.toContain(middle);
    // The masked form still has one character per digit, so numbers of different lengths stay apart.
    expect(masked?.replace(/[^\d*]/g, "")).toHaveLength(digitsOf(phone).length);
  });

  it.each(["1234", "12", "1"])("hides every digit of the short number %j", (phone) => {
    expect(digitsOf(maskPhone(phone))).toBe("");
    expect(maskPhone(phone)).toBe("*".repeat(phone.length));
  });

  it.each([
    ["undefined", undefined],
    ["empty", ""],
  ])("leaves %s as it is", (_label, phone) => {
    expect(maskPhone(phone)).toBe(phone);
  });
});

describe("describeText", () => {
  it.each([
    ["TOBE hello", 10],
    ["안녕하세요", 5],
    ["", 0],
  ])("gives only the length of %j", (text, length) => {
    expect(describeText(text)).toEqual({ length });
  });

  it("does not carry the text itself", () => {
    const described = describeText("secret 010-1234-5678");
    expect(Object.keys(described)).toEqual(["length"]);
    expect(JSON.stringify(described)).not.toContain("secret");
  });

  it("gives length 0 for undefined", () => {
    expect(describeText(undefined)).toEqual({ length: 0 });
  });
});
