/**
 * The errors a ToBeText endpoint answers, thrown where they arise (middy's way): the error
 * handler (error-handler.ts) turns each into its answer and keeps what it must.
 */

export interface RejectionDetails {
  /** The fields, when the body could be read: kept with the rejection. */
  fields?: Record<string, string>;
  /** Echoed in the answer. */
  sendNum?: string;
  recvNum?: string;
}

/** A refusal in ToBeText's terms: answered `<ToBeTextResult>` with the code, and the request kept with the reason. */
export class ToBeTextHttpError extends Error {
  override name = "ToBeTextHttpError";
  readonly statusCode: number;
  readonly errorCode: number;
  readonly details: RejectionDetails;

  constructor(statusCode: number, errorCode: number, reason: string, details: RejectionDetails = {}) {
    super(reason);
    this.statusCode = statusCode;
    this.errorCode = errorCode;
    this.details = details;
  }
}

/** Why a caller was turned away before anything of its request was read. */
export type Denial =
  | { status: 404; reason: "missing-secret" | "wrong-secret" }
  | { status: 403; reason: "source-not-allowed" };

/** Answered like a route that does not exist (or a refused caller), and never kept. */
export class AccessDeniedError extends Error {
  override name = "AccessDeniedError";
  readonly denial: Denial;

  constructor(denial: Denial) {
    super(denial.reason);
    this.denial = denial;
  }
}
