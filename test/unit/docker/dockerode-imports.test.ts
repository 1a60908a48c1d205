import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * One Docker client: only server/docker may import dockerode (server/docker/client.ts builds it
 * once and re-exports its types). Any other file that imports it, even for types only, could
 * build a second client without the deadline, or be handed one that bypasses it.
 */

const ROOT = path.resolve(__dirname, '..', '..', '..', 'server');
const DOCKER_DIR = path.join(ROOT, 'docker');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Module names a file imports: static, type-only, re-exports, require, import() and import types. */
function importsOf(file: string, text = fs.readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    )
      out.push(node.moduleSpecifier.text);
    else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    )
      out.push(node.moduleReference.expression.text);
    else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments.length === 1 &&
      ts.isStringLiteralLike(node.arguments[0])
    )
      out.push(node.arguments[0].text);
    else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    )
      out.push(node.argument.literal.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

const isDockerode = (spec: string) => spec === 'dockerode' || spec.startsWith('dockerode/');

describe('dockerode outside server/docker', () => {
  it('is seen in every form of import', () => {
    const forms = [
      "import Docker from 'dockerode';",
      "import type Dockerode from 'dockerode';",
      "export { default } from 'dockerode';",
      "const D = require('dockerode');",
      "let d: import('dockerode').ContainerInfo;",
      "void import('dockerode/lib/docker');",
    ];
    for (const form of forms) expect(importsOf('x.ts', form).some(isDockerode)).toBe(true);
    expect(
      importsOf('x.ts', "import { HubDocker } from '../docker/client';").some(isDockerode),
    ).toBe(false);
  });

  it('is imported by no file of server/ but those of server/docker', () => {
    const files = sourceFiles(ROOT);
    expect(files.length).toBeGreaterThan(50);
    const offenders = files
      .filter((f) => !f.startsWith(DOCKER_DIR + path.sep))
      .filter((f) => importsOf(f).some(isDockerode))
      .map((f) => path.relative(ROOT, f));
    expect(offenders).toEqual([]);
  });
});
