import { readFileSync } from "node:fs";
import {
  type CountryCode,
  getCountryCallingCode,
  type MetadataJson,
  parsePhoneNumberFromString,
} from "libphonenumber-js/core/es6";
import examples from "libphonenumber-js/examples.mobile.json" with { type: "json" };
import { parsePhoneNumberFromString as parseWithMinMetadata } from "libphonenumber-js/min";
import { describe, expect, it, vi } from "vitest";
import { parsePhoneNumber, phoneNumberMetadata } from "../../functions/domain/phone-number.ts";
import { phoneMetadataFile, phoneMetadataText } from "../../infra/tools/phone-metadata.ts";

const metadata: MetadataJson = phoneNumberMetadata;

/** What libphonenumber-js/min says of a number: the verdict and the number it reads. */
function minVerdict(text: string, country: CountryCode = "KR") {
  const parsed = parseWithMinMetadata(text, country);
  return parsed && { valid: parsed.isValid(), number: parsed.number, country: parsed.country };
}

function ourVerdict(text: string, country: CountryCode = "KR") {
  const parsed = parsePhoneNumberFromString(text, country, metadata);
  return parsed && { valid: parsed.isValid(), number: parsed.number, country: parsed.country };
}

/** parsePhoneNumber as it was with libphonenumber-js/min: the reference for the product's verdicts. */
function parsedWithMinMetadata(asSent: string) {
  const trimmed = asSent.trim();
  if (trimmed === "") return undefined;
  const digits = trimmed.replace(/[\s().-]/g, "");
  const candidates = /^00\d+$/.test(digits) ? [trimmed, `+${digits.slice(2)}`] : [trimmed];
  for (const candidate of candidates) {
    const parsed = parseWithMinMetadata(candidate, "KR");
    if (parsed?.isValid()) return { asSent, e164: parsed.number };
  }
  return undefined;
}

/** Korean numbers of every kind, each written the ways senders write them, and near misses. */
function koreanNumbers(): string[] {
  const prefixes = ["010", "011", "016", "017", "018", "019", "02", "070", "080", "050", "0505", "0130", "060", "030"];
  for (const area of ["31", "32", "33", "41", "42", "43", "44", "51", "52", "53", "54", "55", "61", "62", "63", "64"]) {
    prefixes.push(`0${area}`);
  }
  const subscribers = ["1234567", "12345678", "2345678", "98765432", "123456", "123456789", "0000000", "9999999"];
  const numbers: string[] = [];
  for (const prefix of prefixes) {
    for (const subscriber of subscribers) {
      const national = `${prefix}${subscriber}`;
      const international = `82${national.slice(1)}`;
      const dashed = `${prefix}-${subscriber.slice(0, -4)}-${subscriber.slice(-4)}`;
      numbers.push(national, dashed, `(${prefix}) ${subscriber}`, international, `+${international}`);
      numbers.push(`+82 ${dashed.slice(1)}`, `0082${national.slice(1)}`, `00 82 ${dashed.slice(1)}`);
      numbers.push(`+820${national.slice(1)}`, `${national}0`, national.slice(0, -1));
    }
  }
  for (const representative of ["15", "16", "18"]) {
    for (const rest of ["881234", "440000", "001234", "991234", "00123", "8812345"]) {
      const number = `${representative}${rest}`;
      numbers.push(number, `${number.slice(0, 4)}-${number.slice(4)}`, `+82${number}`, `82${number}`, `0${number}`);
    }
  }
  // The README's and the protocol's numbers, and what is no number at all.
  numbers.push("821012341234", "+821012345678", "010-1234-1234", "01056785678", "89019177381", "010-1234-5678");
  numbers.push("", "   ", "abc", "12345", "010123456789012", "+8210123456789", "0", "+", "+82", "010-abcd-5678");
  return numbers;
}

/** One mobile number of every country libphonenumber-js knows, in international form, and near misses. */
function foreignNumbers(): { text: string; country: CountryCode }[] {
  return Object.entries(examples as Record<string, string>).flatMap(([id, national]) => {
    const country = id as CountryCode;
    const callingCode = getCountryCallingCode(country, metadata);
    return [national, `${national}1`, national.slice(0, -1)].flatMap((digits) => [
      { text: `+${callingCode}${digits}`, country: "KR" as CountryCode },
      { text: `001 ${callingCode} ${digits}`, country: "KR" as CountryCode },
      { text: digits, country },
      { text: `+${callingCode} ${digits}`, country },
    ]);
  });
}

describe("phone-number metadata", () => {
  it("parses a country's plan the first time a number needs it, and keeps it", async () => {
    // A module of its own: this file's other tests read every country.
    vi.resetModules();
    const fresh = await import("../../functions/domain/phone-number.ts");
    const countries = fresh.phoneNumberMetadata.countries as Record<string, unknown>;
    const isParsed = (id: string) => Object.getOwnPropertyDescriptor(countries, id)?.get === undefined;
    expect(["KR", "US", "JP"].map(isParsed)).toEqual([false, false, false]);
    expect(fresh.parsePhoneNumber("010-1234-5678")?.e164).toBe("+821012345678");
    expect(["KR", "US", "JP"].map(isParsed)).toEqual([true, false, false]);
    expect(fresh.parsePhoneNumber("+81 90-1234-5678")?.e164).toBe("+819012345678");
    expect(["KR", "US", "JP"].map(isParsed)).toEqual([true, false, true]);
    expect(countries.KR).toBe(countries.KR);
  });

  it("is what `npm run phone-metadata` makes from the installed libphonenumber-js", () => {
    expect(readFileSync(phoneMetadataFile, "utf8")).toBe(phoneMetadataText());
  });

  it("keeps every country and calling code of libphonenumber-js/min", () => {
    const countries = Object.keys(examples);
    expect(countries.length).toBeGreaterThan(240);
    expect(Object.keys(metadata.countries)).toEqual(expect.arrayContaining(countries));
  });

  it("gives libphonenumber-js/min's verdicts on Korean numbers of every kind", () => {
    const numbers = koreanNumbers();
    expect(numbers.length).toBeGreaterThan(2_000);
    const differing = numbers.filter((text) => JSON.stringify(ourVerdict(text)) !== JSON.stringify(minVerdict(text)));
    expect(differing).toEqual([]);
    const differingProduct = numbers.filter(
      (text) => JSON.stringify(parsePhoneNumber(text)) !== JSON.stringify(parsedWithMinMetadata(text)),
    );
    expect(differingProduct).toEqual([]);
    // Both accept and refuse: the table is no table of one kind.
    const accepted = numbers.filter((text) => parsePhoneNumber(text) !== undefined).length;
    expect(accepted).toBeGreaterThan(500);
    expect(numbers.length - accepted).toBeGreaterThan(500);
  });

  it("gives libphonenumber-js/min's verdicts on a mobile number of every country, and near misses", () => {
    const numbers = foreignNumbers();
    const differing = numbers.filter(
      ({ text, country }) => JSON.stringify(ourVerdict(text, country)) !== JSON.stringify(minVerdict(text, country)),
    );
    expect(differing).toEqual([]);
    const differingProduct = numbers.filter(
      ({ text }) => JSON.stringify(parsePhoneNumber(text)) !== JSON.stringify(parsedWithMinMetadata(text)),
    );
    expect(differingProduct).toEqual([]);
    expect(numbers.filter(({ text }) => parsePhoneNumber(text) !== undefined).length).toBeGreaterThan(400);
  });
});
