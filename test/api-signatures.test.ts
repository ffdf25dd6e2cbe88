// The public signatures, pinned (issue 8): every exported function's
// signatures, every exported class's and interface's public members with their
// types, and every type alias, as the TypeScript compiler sees them from the
// package's entry points, compared with test/api-signatures.txt. A change to the
// public types fails this test until the snapshot is updated on purpose:
//
//   UPDATE_API_SNAPSHOT=1 node --import tsx --test test/api-signatures.test.ts
//
// Names alone are pinned by exports.test.ts; this pins their shapes, and shows
// any run-loop field that leaks into a public type.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));
const snapshot = fileURLToPath(new URL("./api-signatures.txt", import.meta.url));
const ENTRIES = ["src/index.ts", "src/channel/index.ts", "src/sync/index.ts", "src/testing/index.ts", "src/observe/index.ts", "src/observe/serve/index.ts", "src/worker/index.ts"];
const FLAGS = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseFullyQualifiedType | ts.TypeFormatFlags.WriteArrowStyleSignature;

function describeApi(): string {
  const program = ts.createProgram(
    ENTRIES.map((entry) => `${root}${entry}`),
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      lib: ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts", "lib.dom.d.ts"],
      types: [],
      strict: true,
      noEmit: true,
    },
  );
  const checker = program.getTypeChecker();
  const lines: string[] = [];
  const typeOf = (symbol: ts.Symbol, at: ts.Node) => checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, at), at, FLAGS);

  /** Public members of a class instance or an interface: `name?: type`, private and protected ones left out. */
  function members(type: ts.Type, at: ts.Node): string[] {
    return checker
      .getPropertiesOfType(type)
      .filter((member) => {
        const declaration = (member.valueDeclaration ?? member.declarations?.[0] ?? at) as ts.Declaration;
        const modifiers = ts.getCombinedModifierFlags(declaration);
        // @internal members are stripped from the shipped .d.ts (tsconfig.build.json: stripInternal).
        const internal = ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === "internal");
        return (modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) === 0 && !member.name.startsWith("#") && !internal;
      })
      .map((member) => {
        const optional = (member.flags & ts.SymbolFlags.Optional) !== 0 ? "?" : "";
        // Symbol-keyed members print as __@iterator@123; the number changes between runs.
        const name = member.name.replace(/^__@(\w+)@\d+$/, "[Symbol.$1]");
        return `  ${name}${optional}: ${typeOf(member, at)}`;
      })
      .sort();
  }

  for (const entry of ENTRIES) {
    const source = program.getSourceFile(`${root}${entry}`)!;
    lines.push(`# ${entry}`);
    const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(source)!);
    for (const alias of exported.sort((a, b) => a.name.localeCompare(b.name))) {
      const symbol = (alias.flags & ts.SymbolFlags.Alias) !== 0 ? checker.getAliasedSymbol(alias) : alias;
      const declaration = symbol.declarations?.[0] ?? source;
      if ((symbol.flags & ts.SymbolFlags.Function) !== 0) {
        for (const signature of checker.getTypeOfSymbolAtLocation(symbol, declaration).getCallSignatures()) {
          lines.push(`function ${alias.name}${checker.signatureToString(signature, declaration, FLAGS)}`);
        }
      } else if ((symbol.flags & ts.SymbolFlags.Class) !== 0) {
        const constructors = checker.getTypeOfSymbolAtLocation(symbol, declaration).getConstructSignatures();
        lines.push(`class ${alias.name}`);
        for (const signature of constructors) lines.push(`  new${checker.signatureToString(signature, declaration, FLAGS)}`);
        lines.push(...members(checker.getDeclaredTypeOfSymbol(symbol), declaration));
      } else if ((symbol.flags & ts.SymbolFlags.Interface) !== 0) {
        lines.push(`interface ${alias.name}`);
        lines.push(...members(checker.getDeclaredTypeOfSymbol(symbol), declaration));
      } else if ((symbol.flags & ts.SymbolFlags.TypeAlias) !== 0) {
        const text = ts.isTypeAliasDeclaration(declaration) ? declaration.type.getText() : checker.typeToString(checker.getDeclaredTypeOfSymbol(symbol), declaration, FLAGS);
        lines.push(`type ${alias.name} = ${text.replace(/\s+/g, " ")}`);
      } else {
        lines.push(`const ${alias.name}: ${typeOf(symbol, declaration)}`);
      }
    }
    lines.push("");
  }
  // Types the printer could only name by path are shown by their file under src/.
  return lines.join("\n").replaceAll(root, "").replace(/import\("src\/([^"]+)"\)/g, 'import("$1")');
}

test("the public signatures match test/api-signatures.txt", () => {
  const actual = describeApi();
  if (process.env.UPDATE_API_SNAPSHOT === "1") {
    writeFileSync(snapshot, actual);
    return;
  }
  const expected = readFileSync(snapshot, "utf8");
  assert.equal(actual, expected, "the public API changed: if on purpose, update the snapshot (see the top of this file)");
});

test("no run-loop field leaks into a public type", () => {
  const api = describeApi();
  for (const field of ["resumeKind", "resumeValue", "queuedAt", "unwindDepth", "ownChildren", "firstChild", "TaskRecord", "RunContext", "Registration", "Suspension"]) {
    assert.ok(!new RegExp(`\\b${field}\\b`).test(api), `${field} appears in the public API`);
  }
});
