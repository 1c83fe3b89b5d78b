/**
 * `npm run phone-metadata`: writes functions/domain/phone-metadata.json, the phone-number metadata
 * the functions parse and validate with: libphonenumber-js's own "min" metadata, every country
 * kept, less what only formatting reads (each country's number formats, two thirds of it).
 * Run it after upgrading libphonenumber-js; test/unit/phone-metadata.test.ts fails until then.
 *
 * Parsing and validating (`parsePhoneNumberFromString`, `isValid`, `.number`) never read the
 * formats: only libphonenumber-js's format(), AsYouType and findNumbers do, which the functions
 * do not use.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { MetadataJson } from "libphonenumber-js/core";
import minMetadata from "libphonenumber-js/metadata.min";

export const phoneMetadataFile = resolve(import.meta.dirname, "../../functions/domain/phone-metadata.json");

/** Where a country's formats sit in metadata version 4's arrays; 0 is the metadata's "none". */
const formatsIndex = 4;

/** The metadata with no number formats: what parsing and validation read, and nothing else. */
export function parsingMetadata(metadata: MetadataJson): MetadataJson {
  if (metadata.version !== 4) throw new Error(`libphonenumber-js metadata version ${metadata.version}, not 4`);
  const withoutFormats = (plans: Record<string, unknown> | undefined) =>
    plans &&
    Object.fromEntries(
      Object.entries(plans).map(([id, plan]) => [id, (plan as unknown[]).map((v, i) => (i === formatsIndex ? 0 : v))]),
    );
  const { nonGeographic, ...rest } = metadata as MetadataJson & { nonGeographic?: Record<string, unknown> };
  return {
    ...rest,
    countries: withoutFormats(metadata.countries as Record<string, unknown>),
    ...(nonGeographic ? { nonGeographic: withoutFormats(nonGeographic) } : {}),
  } as MetadataJson;
}

/** The file's text: one line, as libphonenumber-js ships its own. */
export const phoneMetadataText = () => `${JSON.stringify(parsingMetadata(minMetadata as MetadataJson))}\n`;

if (import.meta.main) {
  writeFileSync(phoneMetadataFile, phoneMetadataText());
  console.log(`wrote ${phoneMetadataFile}`);
}
