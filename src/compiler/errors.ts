/** The durable compiler's errors. */

/** Where in the source a construct is. */
export interface Position {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * A construct the durable compiler cannot compile (or refuses to), with where it
 * is: `file:line:column: yield inside an optional call is not supported in a
 * durable module`. A `SyntaxError`, so tools that expect parse errors treat it as one.
 */
export class CompileError extends SyntaxError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The message with its position, as first made. */
  readonly detail: string;

  constructor(message: string, at: Position) {
    super(`${at.file}:${at.line}:${at.column + 1}: ${message}`);
    this.detail = this.message;
    this.name = "CompileError";
    this.file = at.file;
    this.line = at.line;
    this.column = at.column;
  }
}
