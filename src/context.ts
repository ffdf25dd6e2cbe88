import type { Instruction } from "./core/instructions.js";
import { operation } from "./core/operation.js";
import { requireCurrent } from "./core/runtime.js";
import { lookupContext, setContext, type Body } from "./core/task.js";
import { scoped } from "./scope.js";
import type { Operation } from "./types.js";
import { checkBody, isOperation, show } from "./validate.js";

/**
 * A value looked up through the task tree: a task sees the value set on itself
 * or its nearest ancestor, else the default.
 */
export interface Context<T> {
  readonly name: string;
  /** The value visible to the current task. */
  get(): Operation<T>;
  /** Sets the value for the current task and its descendants; returns it. */
  set(value: T): Operation<T>;
  /** Runs `body` in a child scope that sees `value`. */
  with<R>(value: T, body: Body<R>): Operation<R>;
}

const NO_DEFAULT: unique symbol = Symbol("no default");

/**
 * Creates a context. Without a default, `get()` throws where no task above has set it.
 *
 * ```ts
 * const Logger = createContext<Log>("logger", console.log);
 * yield* Logger.with(quietLog, function* () {
 *   const log = yield* Logger.get(); // quietLog
 * });
 * ```
 */
export function createContext<T>(name: string, ...defaultValue: [] | [T]): Context<T> {
  if (typeof name !== "string") throw new TypeError(`createContext(name): name must be a string, got ${String(name)}`);
  const fallback: T | typeof NO_DEFAULT = defaultValue.length > 0 ? (defaultValue[0] as T) : NO_DEFAULT;
  const context: Context<T> = {
    name,
    get() {
      return operation(getting<T>, context, fallback);
    },
    set(value: T) {
      return operation(setting<T>, context, value);
    },
    with<R>(value: T, body: Body<R>) {
      checkBody(`${name}.with(value, body)`, body);
      return scoped(operation(setWithin<T, R>, context, value, body));
    },
  };
  return context;
}

// eslint-disable-next-line require-yield
function* getting<T>(context: Context<T>, fallback: T | typeof NO_DEFAULT): Iterator<Instruction, T, unknown> {
  const found = lookupContext(requireCurrent(`${context.name}.get()`), context);
  if (found.found) return found.value as T;
  if (fallback === NO_DEFAULT) {
    throw new Error(`context "${context.name}" has no value here: set it with ${context.name}.set() or .with(), or give it a default`);
  }
  return fallback;
}

// eslint-disable-next-line require-yield
function* setting<T>(context: Context<T>, value: T): Iterator<Instruction, T, unknown> {
  setContext(requireCurrent(`${context.name}.set()`), context, value);
  return value;
}

function* setWithin<T, R>(context: Context<T>, value: T, body: Body<R>): Iterator<Instruction, R, unknown> {
  yield* context.set(value);
  const operation = typeof body === "function" ? body() : body;
  if (!isOperation(operation)) {
    throw new TypeError(
      `${context.name}.with(value, body): body returned ${show(operation)}, expected an operation (write the body as a generator function)`,
    );
  }
  return (yield* operation) as R;
}
