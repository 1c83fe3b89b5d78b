/** What the decoding tests share: a request as API Gateway hands it over, and how refusals look. */
import { resultCodes } from "../../../functions/domain/tobetext-result.ts";
import type { RawRequest } from "../../../functions/http/decoding/index.ts";

export const formContentType = "application/x-www-form-urlencoded";

/** How a body that cannot be read is refused: 400 with ToBeText's code 2005. */
export const unreadableBody = { name: "ToBeTextHttpError", statusCode: 400, errorCode: resultCodes.badBody };
/** How a media type ToBeText does not send is refused: 415, same code. */
export const unsupportedMediaType = { name: "ToBeTextHttpError", statusCode: 415, errorCode: resultCodes.badBody };

export function rawRequest(body: Buffer | string, contentType?: string, rawQueryString = ""): RawRequest {
  return { contentType, body: typeof body === "string" ? Buffer.from(body, "utf8") : body, rawQueryString };
}
