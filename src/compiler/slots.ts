/**
 * Where a compiled generator keeps its variables: every binding of the generator
 * (parameters, `var`, `let`, `const`, functions and classes declared in it, catch
 * parameters) becomes a property of the frame's locals object `$l`, so its value
 * survives the body function returning at each yield and a snapshot can save it.
 *
 * A binding declared inside a loop and captured by a nested function needs a new
 * copy per iteration (each closure sees its own): it lives in a *block
 * environment* object, `$l.$eN`, created afresh each time the block is entered;
 * nested functions capture the environment object current when they are created.
 *
 * This pass rewrites the generator's body in place (before the explode pass):
 * references become member expressions, declarations become assignments, and
 * function declarations move to the top of their block as assignments.
 */
import { types as t, type NodePath } from "@babel/core";
import type { Binding, Scope } from "@babel/traverse";
import { CompileError } from "./errors.js";
import { generatorFactories } from "./marks.js";
import { hasYield } from "./yields.js";

export interface Slots {
  /** The locals object's property names, in order, with their initial value expressions. */
  readonly names: string[];
  /** The parameters' bindings: initialised from the wrapper's parameters. */
  readonly params: Array<{ slot: string; name: string }>;
  /** Block environments: slot name and the bindings they hold. */
  readonly envs: Array<{ slot: string; keys: string[] }>;
  readonly usesThis: boolean;
  readonly usesArguments: boolean;
  /** The slot of a named function expression's own name (set from the wrapper itself), if used. */
  readonly self: string | null;
}

interface Place {
  /** Member expression builder: the object the binding lives on and its key. */
  env: string | null; // block environment slot, or null for $l itself
  key: string;
}

const RESERVED = new Set(["$this", "$args"]);

/**
 * Rewrites the variables of generator `fn` to live on `locals` (an identifier
 * name). Returns the slot layout.
 */
export function assignSlots(fn: NodePath<t.Function>, locals: string, file: string, runtime: string): Slots {
  const taken = new Set<string>(RESERVED);
  const places = new Map<Binding, Place>();
  const names: string[] = [];
  const params: Array<{ slot: string; name: string }> = [];
  const envs: Array<{ slot: string; keys: string[] }> = [];
  const envOfScope = new Map<Scope, { slot: string; keys: string[] }>();

  const unique = (name: string): string => {
    let candidate = name;
    for (let n = 1; taken.has(candidate); n++) candidate = `${name}$${n}`;
    taken.add(candidate);
    return candidate;
  };

  let catchCount = 0;
  let self: string | null = null;
  const fnScope = fn.scope;
  const own = (binding: Binding): boolean => binding.scope.getFunctionParent() === fnScope || binding.scope === fnScope;

  // 1. Every binding of the generator's own scopes (not of nested functions or classes).
  const scopes: Scope[] = [fnScope];
  fn.get("body").traverse({
    Scopable(p) {
      if (p.isFunction() || p.isClass()) {
        p.skip();
        return;
      }
      if (p.scope !== fnScope && !scopes.includes(p.scope)) scopes.push(p.scope);
    },
  });
  const paramNames = new Set<string>();
  for (const param of fn.get("params")) {
    for (const name of Object.keys(t.getBindingIdentifiers(param.node as t.Node))) paramNames.add(name);
  }
  // A block that never yields and whose bindings no nested function captures
  // keeps them as the body function's own variables: they never live across a
  // yield, so the frame need not hold them (and the code stays native).
  const nativeScopes = new Set<Scope>();
  for (const scope of scopes) {
    if (scope === fnScope || hasYield(scope.path.node)) continue;
    // A catch parameter of a try statement that yields is the value the catch case resumes with.
    if (scope.path.isCatchClause() && hasYield(scope.path.parent)) continue;
    const bindings = Object.values(scope.bindings).filter((binding) => binding.kind !== "var" && binding.kind !== "hoisted");
    if (bindings.length === 0) continue;
    const captured = bindings.some((binding) => [...binding.referencePaths, ...binding.constantViolations].some((ref) => ref.getFunctionParent() !== fn));
    if (!captured) nativeScopes.add(scope);
  }
  for (const scope of scopes) {
    for (const [name, binding] of Object.entries(scope.bindings)) {
      if (nativeScopes.has(scope) && binding.kind !== "var" && binding.kind !== "hoisted") continue;
      if (scope === fnScope && binding.kind === "local") {
        // A named function expression's own name: the wrapper passes itself.
        const slot = unique(name);
        names.push(slot);
        places.set(binding, { env: null, key: slot });
        self = slot;
        continue;
      }
      if (!own(binding)) continue;
      const env = scope !== fnScope && needsEnvironment(binding, scope, fn) ? environmentFor(scope) : null;
      if (env !== null) {
        const key = name;
        env.keys.push(key);
        places.set(binding, { env: env.slot, key });
        continue;
      }
      const slot = unique(name);
      names.push(slot);
      places.set(binding, { env: null, key: slot });
      if (scope === fnScope && paramNames.has(name) && binding.kind === "param") params.push({ slot, name });
    }
  }

  function environmentFor(scope: Scope): { slot: string; keys: string[] } {
    let env = envOfScope.get(scope);
    if (env === undefined) {
      env = { slot: unique("$e"), keys: [] };
      names.push(env.slot);
      envs.push(env);
      envOfScope.set(scope, env);
    }
    return env;
  }

  const member = (place: Place): t.MemberExpression => {
    const base: t.Expression = place.env === null ? t.identifier(locals) : t.memberExpression(t.identifier(locals), t.identifier(place.env));
    return t.memberExpression(base, t.identifier(place.key));
  };

  const positionOf = (p: NodePath): Position => ({ file, line: p.node.loc?.start.line ?? 0, column: p.node.loc?.start.column ?? 0 });
  // Direct eval would look variables up by name, but they live on the frame.
  fn.get("body").traverse({
    CallExpression(p) {
      if (t.isIdentifier(p.node.callee, { name: "eval" }) && !p.scope.getBinding("eval")) {
        throw new CompileError("direct eval inside a generator is not supported in a durable module (its variables live in the frame); use indirect eval, (0, eval)(code)", positionOf(p));
      }
    },
  });

  // 2a. Assigning a constant (or a named function expression's own name) throws.
  for (const [binding] of places) {
    if (binding.kind !== "const" && binding.kind !== "local") continue;
    for (const violation of binding.constantViolations) {
      const throwIt = t.callExpression(t.memberExpression(t.identifier(runtime), t.identifier("assignConstant")), [t.stringLiteral(binding.identifier.name)]);
      if (violation.isAssignmentExpression()) {
        violation.replaceWith(violation.node.operator === "=" ? t.sequenceExpression([violation.node.right, throwIt]) : throwIt);
      } else if (violation.isUpdateExpression()) {
        violation.replaceWith(throwIt);
      }
    }
  }

  // 2. Rewrite references and binding positions (not inside the parameters).
  let usesThis = false;
  let usesArguments = false;
  fn.get("body").traverse({
    Function(p) {
      if (!p.isArrowFunctionExpression()) {
        // Their own `this`/`arguments`; only their free variables matter (Identifier below).
        p.traverse({
          Identifier(q) {
            rewriteIdentifier(q);
          },
        });
        p.skip();
      }
    },
    ThisExpression(p) {
      usesThis = true;
      p.replaceWith(t.memberExpression(t.identifier(locals), t.identifier("$this")));
    },
    Super(p) {
      throw new CompileError("`super` inside a generator is not supported in a durable module", positionOf(p));
    },
    MetaProperty(p) {
      if (p.node.meta.name === "new" && p.node.property.name === "target") p.replaceWith(t.unaryExpression("void", t.numericLiteral(0)));
    },
    Identifier(p) {
      if (p.node.name === "arguments" && p.isReferencedIdentifier() && !p.scope.getBinding("arguments")) {
        usesArguments = true;
        p.replaceWith(t.memberExpression(t.identifier(locals), t.identifier("$args")));
        return;
      }
      rewriteIdentifier(p);
    },
  });

  function rewriteIdentifier(p: NodePath<t.Identifier>): void {
    const q = p as NodePath;
    if (!(q.isReferencedIdentifier() || q.isBindingIdentifier())) return;
    // (Inside a catch clause's pattern, Babel resolves names from the enclosing scope: ask the clause.)
    const binding = p.scope.getBinding(p.node.name) ?? p.findParent((q) => q.isCatchClause())?.scope.getBinding(p.node.name);
    if (binding === undefined) return;
    const place = places.get(binding);
    if (place === undefined) return;
    const parent = p.parent;
    if ((t.isFunction(parent) && (parent as t.FunctionDeclaration).id === p.node) || (t.isClass(parent) && parent.id === p.node)) return; // declarations: below
    if (t.isCatchClause(parent) && parent.param === p.node) {
      // catch (e): a plain parameter, copied to the locals by the handler's first statement.
      const name = `$caught${catchCount++}`;
      parent.param = t.identifier(name);
      parent.body.body.unshift(t.expressionStatement(t.assignmentExpression("=", member(place), t.identifier(name))));
      return;
    }
    if (t.isObjectProperty(parent) && parent.shorthand && parent.value === p.node) parent.shorthand = false;
    if (t.isObjectProperty(parent) && parent.key === p.node && !parent.computed) return;
    p.replaceWith(member(place));
  }

  // 3. Declarations become assignments; function declarations move to the top of their block.
  fn.get("body").traverse({
    CatchClause: {
      exit(p) {
        const param = p.node.param;
        if (param === null || param === undefined || t.isIdentifier(param)) return; // identifiers: above
        if (nativeScopes.has(p.scope)) return; // its bindings stay the body function's own
        // catch (pattern): a plain parameter copied to the locals by the first statement.
        const name = `$caught${catchCount++}`;
        p.node.param = t.identifier(name);
        p.node.body.body.unshift(t.expressionStatement(t.assignmentExpression("=", param as t.LVal, t.identifier(name))));
      },
    },
    Function(p) {
      if (p.isFunctionDeclaration() && p.node.id !== null && p.node.id !== undefined) {
        const binding = p.parentPath.scope.getBinding(p.node.id.name);
        const place = binding === undefined ? undefined : places.get(binding);
        if (place !== undefined) {
          const expression = t.functionExpression(p.node.id, p.node.params, p.node.body, p.node.generator, p.node.async);
          const block = p.parentPath;
          const assign = t.expressionStatement(t.assignmentExpression("=", member(place), expression));
          p.remove();
          if (block.isBlockStatement() || block.isProgram()) (block as NodePath<t.BlockStatement>).unshiftContainer("body", assign);
          else if (block.isSwitchCase()) block.unshiftContainer("consequent", assign);
          else throw new CompileError("a function declaration in this position is not supported in a durable module", positionOf(p));
        }
      }
      p.skip();
    },
    ClassDeclaration(p) {
      const binding = p.node.id ? p.parentPath.scope.getBinding(p.node.id.name) : undefined;
      const place = binding === undefined ? undefined : places.get(binding);
      if (place !== undefined) {
        const expression = t.classExpression(p.node.id, p.node.superClass, p.node.body, p.node.decorators);
        p.replaceWith(t.expressionStatement(t.assignmentExpression("=", member(place), expression)));
      }
      p.skip();
    },
    VariableDeclaration: {
      exit(p) {
        const node = p.node;
        if (node.kind !== "var" && nativeScopes.has(p.scope)) return; // stays a declaration of the body function
        const parent = p.parentPath;
        if (parent.isForXStatement() && parent.node.left === node) {
          const target = node.declarations[0]!.id;
          parent.node.left = target as t.LVal;
          return;
        }
        const assignments: t.Expression[] = [];
        for (const declarator of node.declarations) {
          const target = declarator.id as t.LVal;
          if (declarator.init) assignments.push(t.inherits(t.assignmentExpression("=", target, declarator.init), declarator));
          else if (node.kind !== "var") assignments.push(t.assignmentExpression("=", target, t.unaryExpression("void", t.numericLiteral(0)))); // `let x;` is undefined at each entry
        }
        const expression = assignments.length === 0 ? null : assignments.length === 1 ? assignments[0]! : t.sequenceExpression(assignments);
        if (parent.isForStatement() && parent.node.init === node) {
          parent.node.init = expression;
          return;
        }
        if (expression === null) p.remove();
        else p.replaceWith(t.expressionStatement(expression));
      },
    },
  });

  // 4. Block environments are created when their block is entered.
  for (const [scope, env] of envOfScope) {
    const block = scope.path;
    const create = t.expressionStatement(
      t.assignmentExpression(
        "=",
        t.memberExpression(t.identifier(locals), t.identifier(env.slot)),
        t.objectExpression(env.keys.map((key) => t.objectProperty(t.identifier(key), t.identifier("undefined")))),
      ),
    );
    if (block.isBlockStatement()) block.unshiftContainer("body", create);
    else if (block.isForXStatement()) {
      // for (const x of xs): a new environment per iteration, before x is assigned.
      const body = block.get("body");
      const left = block.node.left as t.Expression;
      const temp = fn.scope.generateUid("item");
      names.push(temp);
      const tempRef = t.memberExpression(t.identifier(locals), t.identifier(temp));
      block.node.left = tempRef;
      const assignItem = t.expressionStatement(t.assignmentExpression("=", left as t.LVal, tempRef));
      if (body.isBlockStatement()) body.unshiftContainer("body", [create, assignItem]);
      else body.replaceWith(t.blockStatement([create, assignItem, body.node]));
    } else if (block.isForStatement()) {
      // for (let i = 0; ...; i++): each iteration gets a copy of the last one's variables.
      const init = block.node.init;
      block.node.init = init === null || init === undefined ? create.expression : t.sequenceExpression([create.expression, init as t.Expression]);
      const envRef = t.memberExpression(t.identifier(locals), t.identifier(env.slot));
      const copy = t.assignmentExpression("=", envRef, t.objectExpression([t.spreadElement(t.cloneNode(envRef))]));
      block.node.update = block.node.update ? t.sequenceExpression([copy, block.node.update]) : copy;
    } else if (block.isSwitchStatement() || block.isCatchClause()) {
      if (block.isCatchClause()) block.get("body").unshiftContainer("body", create);
      else block.insertBefore(create);
    } else {
      throw new CompileError("a captured binding in this position is not supported in a durable module", positionOf(block));
    }
  }

  // 5. A nested function captures the block environments current when it is created.
  if (envs.length > 0) {
    const envSlots = new Set(envs.map((env) => env.slot));
    const capture = (p: NodePath<t.Expression>): void => {
      const used = new Set<string>();
      p.traverse({
        MemberExpression(q) {
          const { object, property } = q.node;
          if (t.isIdentifier(object, { name: locals }) && t.isIdentifier(property) && !q.node.computed && envSlots.has(property.name)) {
            used.add(property.name);
            q.replaceWith(t.identifier(property.name));
          }
        },
      });
      if (used.size === 0) return;
      const names = [...used];
      p.replaceWith(
        t.callExpression(
          t.arrowFunctionExpression(names.map((name) => t.identifier(name)), p.node),
          names.map((name) => t.memberExpression(t.identifier(locals), t.identifier(name))),
        ),
      );
    };
    fn.get("body").traverse({
      CallExpression(p) {
        // A nested generator's wrapper and body are created together: capture for both.
        if (!generatorFactories.has(p.node)) return;
        capture(p);
        p.skip();
      },
      Function(p) {
        if (p.isFunctionDeclaration()) throw new CompileError("internal: a function declaration left in a generator", positionOf(p));
        capture(p as NodePath<t.Expression>);
        p.skip();
      },
    });
  }

  return { names, params, envs, usesThis, usesArguments, self };
}

interface Position {
  file: string;
  line: number;
  column: number;
}


/**
 * Whether `binding` (declared in block `scope`) needs a fresh copy each time
 * its block is entered: it is declared inside a loop (or in a loop's head) and
 * a nested function refers to it.
 */
function needsEnvironment(binding: Binding, scope: Scope, fn: NodePath<t.Function>): boolean {
  if (binding.kind === "var" || binding.kind === "hoisted" || binding.kind === "param") return false;
  const captured = [...binding.referencePaths, ...binding.constantViolations].some((ref) => ref.getFunctionParent() !== fn);
  if (!captured) return false;
  for (let p: NodePath | null = scope.path; p !== null && p !== fn; p = p.parentPath) {
    if (p.isLoop()) return true;
  }
  return false;
}
