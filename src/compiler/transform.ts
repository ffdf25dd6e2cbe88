/**
 * The durable transform of one module: when its first statement is the
 * directive `"use durable"`, every generator function in it (declarations,
 * expressions, methods, static and computed-key methods) becomes a compiled
 * coroutine — a wrapper that creates a frame, and a body function that runs
 * the frame from its resume point (see src/durable/frame.ts for the run time,
 * slots.ts and explode.ts for the passes).
 *
 * Function ids: the module's path relative to its package root, `#`, and the
 * function's lexical path (`Outer/inner`, `Class.method`, `Class#method` for
 * instance methods, `#n` for the n-th anonymous function of its parent). Line
 * numbers never take part, so editing other code does not change an id.
 */
import { createHash } from "node:crypto";
import { types as t, type NodePath, type PluginObj } from "@babel/core";
import babelGenerator from "@babel/generator";
import { assignSlots } from "./slots.js";
import { hasYield } from "./yields.js";
import { Emitter } from "./explode.js";
import { CompileError } from "./errors.js";
import { compiledBodies, generatorFactories, nestedBodies, wrappers } from "./marks.js";

export const DIRECTIVE = "use durable";

export interface CompiledFunction {
  readonly id: string;
  readonly hash: string;
}

export interface TransformState {
  /** Module path relative to its package root, used in function ids. */
  readonly modulePath: string;
  /** The file name for error messages. */
  readonly file: string;
  /** The specifier compiled code imports its run time from. */
  readonly runtime: string;
  durable: boolean;
  readonly functions: CompiledFunction[];
}

type Generate = (ast: t.Node, options: { comments: boolean; compact: boolean }) => { code: string };
// @babel/generator is CommonJS: its default export arrives as the module object under some loaders.
const generateCode: Generate =
  typeof babelGenerator === "function" ? (babelGenerator as unknown as Generate) : (babelGenerator as unknown as { default: Generate }).default;

/** The Babel plugin. `state` collects what was compiled. */
export function durablePlugin(state: TransformState): PluginObj {
  return {
    name: "strand-durable",
    visitor: {
      Program(program) {
        const directives = program.node.directives;
        if (directives.length === 0 || directives[0]!.value.value !== DIRECTIVE) return;
        state.durable = true;
        // The output is compiled: without the directive, compiling it again changes nothing.
        directives.shift();
        const rt = program.scope.generateUid("d");
        const infos: t.Statement[] = [];
        const ids = new Set<string>();
        let counter = 0;
        let hasNested = false;

        const compile = (fn: NodePath<t.Function>): void => {
          const node = fn.node;
          if (!node.generator || node.async) return;
          const n = counter++;
          const names = { f: `$f${n}`, l: `$l${n}`, v: `$v${n}`, rt, label: `$s${n}` };
          const lexical = lexicalPath(fn);
          const id = `${state.modulePath}#${lexical}`;
          if (ids.has(id)) throw errorAt(state.file, node, `two generator functions have the id ${id}; rename one`);
          ids.add(id);
          const hash = createHash("sha256").update(generateCode(node as t.Node, { comments: false, compact: true }).code).digest("hex").slice(0, 16);
          state.functions.push({ id, hash });

          const slots = assignSlots(fn, names.l, state.file, rt);
          const body = fn.node.body as t.BlockStatement;
          const emitter = new Emitter(names, state.file, hasYield);
          const exploded = emitter.explodeBody(body.body);

          const info = program.scope.generateUid(`i_${safeName(lexical)}`);
          const infoCall = t.callExpression(t.memberExpression(t.identifier(rt), t.identifier("info")), [
            t.stringLiteral(id),
            t.stringLiteral(hash),
            t.stringLiteral(functionName(fn) ?? ""),
            t.arrayExpression(exploded.tries.map((entry) => t.arrayExpression(entry.map((v) => t.numericLiteral(v))))),
            // Where its resume points are in the source: metadata of the code, never part of a snapshot.
            t.arrayExpression(exploded.points.map((v) => t.numericLiteral(v))),
          ]);
          infos.push(t.variableDeclaration("const", [t.variableDeclarator(t.identifier(info), infoCall)]));
          // A module-level body is registered with the function (its frames can be restored).
          const bodyAtModuleLevel = (name: string): void => {
            infoCall.arguments.push(t.identifier(name));
          };

          const bodyFunction = t.functionExpression(
            null,
            [t.identifier(names.f), t.identifier(names.l), t.identifier(names.v)],
            t.blockStatement(exploded.body),
          );
          compiledBodies.set(bodyFunction.body, id);
          // The locals object: parameters first, then every other slot (one shape per function).
          const properties: t.ObjectProperty[] = [];
          const fromParams = new Set(slots.params.map((p) => p.slot));
          for (const p of slots.params) properties.push(t.objectProperty(t.identifier(p.slot), t.identifier(p.name)));
          for (const name of slots.names) if (!fromParams.has(name)) properties.push(t.objectProperty(t.identifier(name), t.identifier("undefined")));
          for (const temp of exploded.temps) properties.push(t.objectProperty(t.identifier(temp), t.identifier("undefined")));
          // The wrapper's own name: a named function expression, or the name the
          // function would be given (`const g = function* () {}`) when its
          // parameters do not refer to it.
          const ownName = t.isFunctionExpression(node) && node.id ? node.id.name : null;
          const inferred = t.isFunctionExpression(node) && !node.id ? functionName(fn) : null;
          // When the parameters mention the inferred name, the wrapper gets another
          // (a binding of its own name would shadow theirs) and define() names it.
          const renamed = ownName === null && inferred !== null && mentions(node.params, inferred);
          const wrapperName = ownName ?? (inferred === null ? null : renamed ? program.scope.generateUid(inferred) : inferred);
          if (slots.self !== null) properties.push(t.objectProperty(t.identifier(slots.self), t.identifier(ownName!)));
          if (slots.usesThis) properties.push(t.objectProperty(t.identifier("$this"), t.thisExpression()));
          if (slots.usesArguments) properties.push(t.objectProperty(t.identifier("$args"), t.identifier("arguments")));

          const start = (bodyRef: t.Expression): t.Statement[] => [
            t.returnStatement(t.callExpression(t.memberExpression(t.identifier(rt), t.identifier("start")), [t.identifier(info), bodyRef, t.objectExpression(properties)])),
          ];
          const notNew = t.ifStatement(
            t.binaryExpression("!==", t.metaProperty(t.identifier("new"), t.identifier("target")), t.identifier("undefined")),
            t.throwStatement(t.callExpression(t.memberExpression(t.identifier(rt), t.identifier("notConstructor")), [t.identifier(info)])),
          );

          const atModuleLevel = fn.parentPath.isProgram() || fn.parentPath.isExportNamedDeclaration() || fn.parentPath.isExportDefaultDeclaration();
          if (fn.isFunctionDeclaration() && atModuleLevel) {
            // function* g() {} at module level: a hoisted wrapper, a module-level body.
            const bodyName = program.scope.generateUid(`body_${safeName(lexical)}`);
            fn.node.generator = false;
            const declared = fn.parentPath.scope.getBinding(fn.node.id!.name);
            // Its own prototype as it is at the call, when the name surely means this function.
            const self = declared !== undefined && declared.constantViolations.length === 0 ? fn.node.id!.name : null;
            const startStatement = start(t.identifier(bodyName))[0] as t.ReturnStatement;
            if (self !== null) (startStatement.argument as t.CallExpression).arguments.push(t.identifier(self));
            fn.node.body = t.blockStatement([notNew, startStatement]);
            infos.push(t.functionDeclaration(t.identifier(bodyName), bodyFunction.params, bodyFunction.body));
            bodyAtModuleLevel(bodyName);
            infos.push(t.expressionStatement(t.callExpression(t.memberExpression(t.identifier(rt), t.identifier("declare")), [t.identifier(info), t.cloneNode(fn.node.id!)])));
            return;
          }
          if (fn.isClassMethod() || fn.isObjectMethod() || fn.isClassPrivateMethod()) {
            const bodyName = program.scope.generateUid(`body_${safeName(lexical)}`);
            // A body moved out of its class cannot use the class's private names.
            const topLevel = isModuleLevelMethod(fn) && !usesPrivateNames(bodyFunction);
            fn.node.generator = false;
            if (topLevel) {
              infos.push(t.functionDeclaration(t.identifier(bodyName), bodyFunction.params, bodyFunction.body));
              bodyAtModuleLevel(bodyName);
              fn.node.body = t.blockStatement(start(t.identifier(bodyName)));
            } else {
              fn.node.body = t.blockStatement(start(bodyFunction));
            }
            return;
          }
          // Nested in a function: the body is created beside the wrapper (and moved
          // to module level afterwards when nothing ties it to its place: hoistBodies).
          const bodyName = program.scope.generateUid(`b_${safeName(lexical)}`);
          const locals = t.objectExpression(properties);
          const startArgs: t.Expression[] = [t.identifier(info), t.identifier(bodyName), locals];
          // A generator function made inside another function is made at every call
          // of it: it skips what only reflection sees (its own prototype object and
          // [[Prototype]]; its generator objects still inherit from the function's
          // generator prototype), which would cost it more than the call itself.
          const madeRepeatedly = fn.parentPath.getFunctionParent() !== null;
          if (wrapperName !== null && !madeRepeatedly) startArgs.push(t.identifier(wrapperName));
          const startCall = t.callExpression(t.memberExpression(t.identifier(rt), t.identifier("start")), startArgs);
          const wrapperBody = t.blockStatement([notNew, t.returnStatement(startCall)]);
          nestedBodies.set(bodyFunction.body, { name: bodyName, locals, info: infoCall });
          hasNested = true;
          if (fn.isFunctionDeclaration()) {
            // Stays a hoisted declaration, with its body declared beside it.
            fn.node.generator = false;
            fn.node.body = wrapperBody;
            const bodyDeclaration = t.functionDeclaration(t.identifier(bodyName), bodyFunction.params, bodyFunction.body);
            fn.insertAfter(bodyDeclaration);
            const defineStatement = t.expressionStatement(t.callExpression(t.memberExpression(t.identifier(rt), t.identifier("defineInner")), [t.identifier(info), t.cloneNode(fn.node.id!)]));
            const block = fn.parentPath;
            if (block.isBlockStatement()) block.unshiftContainer("body", defineStatement);
            else if (block.isSwitchCase()) block.unshiftContainer("consequent", defineStatement);
            else throw errorAt(state.file, node, "a generator declaration in this position is not supported in a durable module");
            return;
          }
          const wrapper = t.functionExpression(
            wrapperName === null ? null : t.identifier(wrapperName),
            fn.node.params as t.FunctionExpression["params"],
            wrapperBody,
          );
          wrappers.add(wrapper);
          const factory = t.callExpression(
            t.arrowFunctionExpression(
              [t.identifier(bodyName)],
              t.callExpression(
                t.memberExpression(t.identifier(rt), t.identifier(madeRepeatedly ? "defineInner" : "define")),
                renamed ? [t.identifier(info), wrapper, t.stringLiteral(inferred!)] : [t.identifier(info), wrapper],
              ),
            ),
            [bodyFunction],
          );
          generatorFactories.add(factory);
          fn.replaceWith(factory);
        };

        registerModuleLevel(program, state, rt, infos);

        program.traverse({
          Function: {
            // Inner generators first: an outer one's passes then see them as plain functions.
            exit(p) {
              if (p.node.generator && !p.node.async) compile(p);
            },
          },
        });

        const preamble = [t.importDeclaration([t.importSpecifier(t.identifier(rt), t.identifier("compiled"))], t.stringLiteral(state.runtime)), ...infos];
        program.unshiftContainer("body", preamble);
        if (hasNested) hoistBodies(program);
        convertClosures(program, rt, preamble[preamble.length - 1]!);
      },
    },
  };
}

/**
 * Names a nested body may take along when moved to module level: the locals
 * object of an enclosing compiled generator and captured block environments.
 * Neither is ever reassigned, so the wrapper can hand their values to the frame.
 */
const PORTABLE = /^(\$l\d+|\$e(\$\d+)?)$/;

/**
 * Moves nested generator bodies to module level where their only ties to the
 * enclosing code are portable names: those become locals (`$l.$uname`) set by
 * the wrapper. A module-level body is one function for every closure of the
 * generator (V8 optimizes it once), and its frames can be restored from a snapshot.
 */
function hoistBodies(program: NodePath<t.Program>): void {
  for (;;) {
    // One at a time, innermost first, with fresh scope information each time.
    program.scope.crawl();
    let found: NodePath<t.Function> | null = null;
    program.traverse({
      Function: {
        exit(p) {
          if (found === null && nestedBodies.has(p.node.body)) {
            found = p;
            p.stop();
          }
        },
      },
    });
    if (found === null) return;
    const path = found as NodePath<t.Function>;
    const entry = nestedBodies.get(path.node.body)!;
    nestedBodies.delete(path.node.body);
    const free = new Map<string, NodePath<t.Identifier>[]>();
    let portable = true;
    path.traverse({
      Identifier(q) {
        const r = q as NodePath;
        if (!(r.isReferencedIdentifier() || r.isBindingIdentifier())) return;
        const binding = q.scope.getBinding(q.node.name);
        if (binding === undefined || binding.scope === program.scope) return;
        if (binding.scope === path.scope || binding.path.isDescendant(path)) return;
        if (!PORTABLE.test(q.node.name)) portable = false;
        const list = free.get(q.node.name) ?? [];
        list.push(q);
        free.set(q.node.name, list);
      },
    });
    if (!portable) continue;
    const params = path.node.params as t.Identifier[];
    const locals = params[1]!.name;
    for (const [name, refs] of free) {
      const slot = `$u${name}`;
      for (const ref of refs) ref.replaceWith(t.memberExpression(t.identifier(locals), t.identifier(slot)));
      entry.locals.properties.push(t.objectProperty(t.identifier(slot), t.identifier(name)));
    }
    const declaration = t.functionDeclaration(t.identifier(entry.name), params, path.node.body as t.BlockStatement);
    if (path.isFunctionDeclaration()) path.remove();
    else if (path.parentPath.isCallExpression() && generatorFactories.has(path.parentPath.node)) {
      // ((b) => define(info, wrapper))(body)  →  define(info, wrapper), b now the module-level body
      path.parentPath.replaceWith((path.parentPath.node.callee as t.ArrowFunctionExpression).body as t.Expression);
    } else path.replaceWith(t.identifier(entry.name));
    program.pushContainer("body", declaration);
    entry.info.arguments.push(t.identifier(entry.name));
  }
}

/**
 * Closures made in compiled bodies become snapshot-able: a closure whose only
 * ties to its place are portable names (the locals object, captured block
 * environments) is made by a module-level factory taking them as parameters,
 * registered by id (`<generator id>/closure#n`), and marked at creation with
 * `closure(fn, id, envs)`, so a snapshot saves it as the id and its
 * environments. The wrapper of a nested compiled generator counts as a closure
 * (its `define(info, wrapper)` call is made by the factory). Closures that take
 * more along (another closure's variables) stay as they are: a snapshot that
 * reaches one fails with the path to it.
 */
function convertClosures(program: NodePath<t.Program>, rt: string, after: t.Statement): void {
  program.scope.crawl();
  const counters = new Map<string, number>();
  const factories: t.Statement[] = [];
  program.traverse({
    Function(body) {
      const generatorId = compiledBodies.get(body.node.body);
      if (generatorId === undefined) return;
      body.traverse({
        Function(inner) {
          if (inner.isArrowFunctionExpression() && inner.parentPath.isCallExpression() && inner.parentPath.node.callee === inner.node && !wrappers.has(inner.node)) {
            return; // a capture arrow ((env) => ...)(env): its contents are the closures
          }
          inner.skip();
          if (compiledBodies.has(inner.node.body)) return; // a body left in place: not portable
          if (!inner.isFunctionExpression() && !inner.isArrowFunctionExpression()) return; // methods belong to their literal
          // The unit: a nested generator's define(info, wrapper) call, or the function itself.
          let unit: NodePath<t.Expression> = inner as NodePath<t.Expression>;
          if (wrappers.has(inner.node)) {
            const parent = inner.parentPath;
            if (!parent.isCallExpression()) return;
            unit = parent;
          }
          const free = new Set<string>();
          let portable = true;
          unit.traverse({
            Identifier(q) {
              const r = q as NodePath;
              if (!(r.isReferencedIdentifier() || r.isBindingIdentifier())) return;
              const binding = q.scope.getBinding(q.node.name);
              if (binding === undefined || binding.scope === program.scope) return;
              if (binding.path.isDescendant(unit) || binding.path === unit) return;
              if (!PORTABLE.test(q.node.name)) portable = false;
              else free.add(q.node.name);
            },
          });
          if (!portable) return;
          if (unit.isFunction() && usesLexicalThis(unit.node)) return;
          if (free.size === 0 && unit.isCallExpression()) {
            // A nested generator function that takes nothing along is made once, on
            // first use, and registered by its id: inline spawn(function* () {})
            // costs what a module-level one does. (Its evaluations share one function.)
            const shared = program.scope.generateUid("gen");
            const wrapper = unit.node.arguments[1] as t.FunctionExpression;
            const info = unit.node.arguments[0] as t.Identifier;
            factories.unshift(t.variableDeclaration("var", [t.variableDeclarator(t.identifier(shared))]));
            unit.replaceWith(
              t.logicalExpression(
                "??",
                t.identifier(shared),
                t.assignmentExpression("=", t.identifier(shared), t.callExpression(t.memberExpression(t.identifier(rt), t.identifier("declare")), [info, wrapper, ...(unit.node.arguments.slice(2) as t.Expression[])])),
              ),
            );
            unit.skip();
            return;
          }
          const n = (counters.get(generatorId) ?? 0) + 1;
          counters.set(generatorId, n);
          const id = `${generatorId}/closure#${n}`;
          const envs = [...free];
          const factory = program.scope.generateUid("mk");
          factories.push(
            t.functionDeclaration(t.identifier(factory), envs.map((e) => t.identifier(e)), t.blockStatement([t.returnStatement(unit.node)])),
            t.expressionStatement(
              t.callExpression(t.memberExpression(t.identifier(rt), t.identifier("registerClosureFactory")), [t.stringLiteral(id), t.identifier(factory), t.stringLiteral(hashOf(unit.node))]),
            ),
          );
          const envArray = t.arrayExpression(envs.map((e) => t.identifier(e)));
          unit.replaceWith(
            t.callExpression(t.memberExpression(t.identifier(rt), t.identifier("closure")), [
              t.callExpression(t.identifier(factory), envs.map((e) => t.identifier(e))),
              t.stringLiteral(id),
              envArray,
            ]),
          );
          unit.skip();
        },
      });
    },
  });
  // Registered before any of the module's own code runs: a top-level `await run(...)` may make closures.
  const body = program.node.body;
  body.splice(body.indexOf(after) + 1, 0, ...factories);
}

/** An arrow or function body that uses `this`, `arguments`, `super` or `new.target` of an enclosing function (not portable). */
function usesLexicalThis(fn: t.Function): boolean {
  if (!t.isArrowFunctionExpression(fn)) return false;
  let found = false;
  const visit = (n: t.Node): void => {
    if (found) return;
    if (t.isThisExpression(n) || t.isSuper(n) || t.isMetaProperty(n) || t.isIdentifier(n, { name: "arguments" })) {
      found = true;
      return;
    }
    if (t.isFunction(n) && !t.isArrowFunctionExpression(n)) return;
    for (const key of t.VISITOR_KEYS[n.type] ?? []) {
      const value = (n as unknown as Record<string, unknown>)[key];
      if (Array.isArray(value)) {
        for (const child of value) if (child && typeof child === "object" && "type" in child) visit(child as t.Node);
      } else if (value && typeof value === "object" && "type" in value) visit(value as t.Node);
    }
  };
  visit(fn.body);
  return found;
}

const hashOf = (node: t.Node): string => createHash("sha256").update(generateCode(node, { comments: false, compact: true }).code).digest("hex").slice(0, 16);

/**
 * Module-level functions and classes of a durable module are registered by id
 * (`module#name`), so a snapshot may hold them (a class's instances are saved
 * as data). Classes with private members are left out: their private state
 * cannot be saved as properties, so snapshotting an instance must fail (with
 * the path to it) until the class registers a codec with `registerType`.
 * An `import { durable } from "strand/durable"` becomes `const durable = true`.
 */
function registerModuleLevel(program: NodePath<t.Program>, state: TransformState, rt: string, infos: t.Statement[]): void {
  const call = (name: string, args: t.Expression[]): t.Statement => t.expressionStatement(t.callExpression(t.memberExpression(t.identifier(rt), t.identifier(name)), args));
  for (const statement of program.get("body")) {
    if (statement.isImportDeclaration() && (statement.node.source.value === state.runtime || statement.node.source.value === "strand/durable")) {
      for (const specifier of statement.get("specifiers")) {
        if (!specifier.isImportSpecifier()) continue;
        const imported = specifier.node.imported;
        if ((t.isIdentifier(imported) ? imported.name : imported.value) !== "durable") continue;
        const local = specifier.node.local.name;
        specifier.remove();
        statement.insertAfter(t.variableDeclaration("const", [t.variableDeclarator(t.identifier(local), t.booleanLiteral(true))]));
      }
      if (statement.node.specifiers.length === 0) statement.remove();
      continue;
    }
    const declaration = statement.isExportNamedDeclaration() || statement.isExportDefaultDeclaration() ? statement.get("declaration") : statement;
    const node = (declaration as NodePath).node;
    if (node === null || node === undefined) continue;
    if (t.isFunctionDeclaration(node) && !node.generator) {
      const name = node.id?.name;
      if (name === undefined) continue;
      infos.push(call("registerFunction", [t.stringLiteral(`${state.modulePath}#${name}`), t.identifier(name), t.stringLiteral(hashOf(node))]));
    } else if (t.isClassDeclaration(node) && node.id) {
      if (usesPrivateNames(node.body)) continue;
      statement.insertAfter(call("registerClass", [t.stringLiteral(`${state.modulePath}#${node.id.name}`), t.identifier(node.id.name), t.stringLiteral(hashOf(node))]));
    }
  }
}

function errorAt(file: string, node: t.Node, message: string): CompileError {
  return new CompileError(message, { file, line: node.loc?.start.line ?? 0, column: node.loc?.start.column ?? 0 });
}

/** Whether an identifier named `name` occurs in `nodes`. */
function mentions(nodes: t.Node[], name: string): boolean {
  let found = false;
  for (const node of nodes) {
    t.traverseFast(node, (n) => {
      if (t.isIdentifier(n, { name })) found = true;
    });
  }
  return found;
}

function functionName(fn: NodePath<t.Function>): string | null {
  const node = fn.node;
  if ((t.isFunctionDeclaration(node) || t.isFunctionExpression(node)) && node.id) return node.id.name;
  if ((t.isObjectMethod(node) || t.isClassMethod(node)) && !node.computed) {
    const key = node.key;
    if (t.isIdentifier(key)) return key.name;
    if (t.isStringLiteral(key) || t.isNumericLiteral(key)) return String(key.value);
  }
  if (t.isClassPrivateMethod(node)) return `#${node.key.id.name}`;
  const parent = fn.parent;
  if (t.isVariableDeclarator(parent) && t.isIdentifier(parent.id)) return parent.id.name;
  if (t.isObjectProperty(parent) && t.isIdentifier(parent.key) && !parent.computed) return parent.key.name;
  if (t.isAssignmentExpression(parent) && t.isIdentifier(parent.left)) return parent.left.name;
  if (t.isAssignmentPattern(parent) && t.isIdentifier(parent.left)) return parent.left.name;
  return null;
}

/**
 * The lexical path of a function: the names of the functions and classes that
 * contain it and its own, `/`-separated; methods are `Class.m` (static) or
 * `Class#m`; anonymous functions `#n` (the n-th one in their parent).
 */
function lexicalPath(fn: NodePath<t.Function>): string {
  const parts: string[] = [];
  for (let p: NodePath | null = fn; p !== null; p = p.parentPath) {
    if (p.isFunction()) parts.unshift(segment(p as NodePath<t.Function>));
    else if (p.isClass()) {
      const name = p.node.id?.name ?? (t.isVariableDeclarator(p.parent) && t.isIdentifier(p.parent.id) ? p.parent.id.name : null);
      if (parts.length > 0 && (parts[0]!.startsWith(".") || parts[0]!.startsWith("#"))) parts[0] = `${name ?? "(class)"}${parts[0]}`;
      else parts.unshift(name ?? "(class)");
    }
  }
  return parts.join("/");
}

function segment(fn: NodePath<t.Function>): string {
  const node = fn.node;
  if (t.isClassMethod(node) || t.isClassPrivateMethod(node)) {
    const key = t.isClassPrivateMethod(node) ? `#${node.key.id.name}` : node.computed ? computedKey(node.key) : keyName(node.key);
    return `${node.static ? "." : "#"}${key}`;
  }
  if (t.isObjectMethod(node)) return node.computed ? computedKey(node.key) : keyName(node.key);
  const name = functionName(fn);
  if (name !== null) return name;
  return `#${anonymousSiblings(fn).indexOf(node) + 1}`;
}

/**
 * The anonymous functions whose nearest enclosing function (or the module) is
 * `fn`'s, in source order: `#n` counts among them, so an id does not depend on
 * the order in which functions are compiled or on what they contain.
 */
function anonymousSiblings(fn: NodePath<t.Function>): t.Node[] {
  const parent: NodePath = fn.getFunctionParent() ?? (fn.findParent((p) => p.isProgram()) as NodePath);
  let list = siblings.get(parent.node);
  if (list === undefined) {
    const found: t.Node[] = [];
    parent.traverse({
      Function(p) {
        if (!p.isMethod() && !p.isClassPrivateMethod() && functionName(p) === null) found.push(p.node);
        p.skip();
      },
    });
    list = found;
    siblings.set(parent.node, list);
  }
  return list;
}

const siblings = new WeakMap<t.Node, t.Node[]>();

function keyName(key: t.Node): string {
  if (t.isIdentifier(key)) return key.name;
  if (t.isStringLiteral(key) || t.isNumericLiteral(key)) return String(key.value);
  return "?";
}

function computedKey(key: t.Node): string {
  if (t.isMemberExpression(key) && t.isIdentifier(key.object, { name: "Symbol" }) && t.isIdentifier(key.property)) return `[Symbol.${key.property.name}]`;
  if (t.isStringLiteral(key)) return key.value;
  return "[computed]";
}

function safeName(path: string): string {
  return path.replace(/[^A-Za-z0-9_$]/g, "_");
}

function usesPrivateNames(node: t.Node): boolean {
  let found = false;
  t.traverseFast(node, (n) => {
    if (t.isPrivateName(n)) found = true;
  });
  return found;
}

function isModuleLevelMethod(fn: NodePath<t.Function>): boolean {
  for (let p: NodePath | null = fn.parentPath; p !== null; p = p.parentPath) {
    if (p.isFunction()) return false;
    if (p.isProgram()) return true;
  }
  return true;
}
