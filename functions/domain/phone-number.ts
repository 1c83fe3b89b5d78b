import { type MetadataJson, parsePhoneNumberFromString } from "libphonenumber-js/core/es6";
import { phoneMetadata } from "./phone-metadata.ts";

/**
 * libphonenumber-js's "min" metadata less the number formats, which parsing and validation never
 * read (infra/tools/phone-metadata.ts makes it): every country still parses and validates as with
 * libphonenumber-js/min, and a receive function's bundle is 46 KiB lighter. Each country's plan is
 * JSON in a string, parsed the first time the library reads it (and kept): a Korean number reads
 * Korea's alone, so a cold start parses 228 bytes of JSON rather than 32 KB (0.8 ms). Formatting a
 * number with it would lose the formats: this module only parses. Pure, so that a bundle that
 * imports this module but parses no number (a processor) leaves the metadata out. The library's
 * `core/es6` build is its own source compiled for modern runtimes: 15 KiB less than the `core`
 * build, which carries helpers for older ones.
 */
export const phoneNumberMetadata = /* @__PURE__ */ parsedOnRead(phoneMetadata);

function parsedOnRead({ countries, nonGeographic, ...rest }: typeof phoneMetadata): MetadataJson {
  return {
    ...rest,
    countries: plansParsedOnRead(countries),
    ...(nonGeographic ? { nonGeographic: plansParsedOnRead(nonGeographic) } : {}),
  } as MetadataJson;
}

/** Own, enumerable properties (the library asks `hasOwnProperty` and lists keys) whose JSON is parsed on first read. */
function plansParsedOnRead(plans: Record<string, string>): Record<string, unknown> {
  const parsed: Record<string, unknown> = {};
  for (const [id, json] of Object.entries(plans)) {
    Object.defineProperty(parsed, id, {
      enumerable: true,
      configurable: true,
      get() {
        const plan: unknown = JSON.parse(json);
        Object.defineProperty(parsed, id, { value: plan, enumerable: true });
        return plan;
      },
    });
  }
  return parsed;
}

/** A phone number as it was sent, with its E.164 form. */
export interface PhoneNumber {
  asSent: string;
  e164: string;
}

/**
 * Reads a phone number the way ToBeText and Korean senders write it: `010-1234-5678`,
 * `01012345678`, `821012345678`, `+821012345678`, `0082 10 ...` are one number. Numbers without
 * a country code are read as Korean. Returns undefined when the number is not a valid one.
 */
export function parsePhoneNumber(asSent: string): PhoneNumber | undefined {
  const trimmed = asSent.trim();
  if (trimmed === "") return undefined;
  const candidates = [trimmed];
  // An international call prefix ("00") in place of "+": libphonenumber reads it only from KR's own prefixes.
  const digits = trimmed.replace(/[\s().-]/g, "");
  if (/^00\d+$/.test(digits)) candidates.push(`+${digits.slice(2)}`);
  for (const candidate of candidates) {
    const parsed = parsePhoneNumberFromString(candidate, "KR", phoneNumberMetadata);
    if (parsed?.isValid()) return { asSent, e164: parsed.number };
  }
  return undefined;
}
