/**
 * An invalid label selector (string or LabelSelector). `message` is the text Kubernetes
 * gives for the same input, e.g. `unable to parse requirement: found '', expected: identifier`.
 */
export class SelectorError extends Error {
  override readonly name = "SelectorError";
  constructor(
    message: string,
    /** The selector as given: a string, or the LabelSelector object. */
    readonly selector?: unknown,
  ) {
    super(message);
  }
}
