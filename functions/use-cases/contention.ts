/** A change that kept meeting concurrent changes and gave up; SQS delivers the message again. */
export class ContentionError extends Error {
  override name = "ContentionError";
}
