// The error for a run that cannot start (bad option, missing compiler or runtime,
// malformed exclusion list): reported as one line, without a stack, exit code 2.
export class SetupError extends Error {
  override readonly name = "SetupError";
}
