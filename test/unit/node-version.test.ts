import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// One Node major everywhere in the project's own files: the Lambda runtime and the bundle target the CDK construct
// deploys, the `node` package the tests run on (package.json pins it), and the Node types the code compiles against.
const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
};
const construct = readFileSync(join(root, 'lib', 'constructs', 'gateway-function.ts'), 'utf8');
const major = (version: string | undefined) => /^(\d+)\./.exec(version ?? '')?.[1];

describe('toolchain', () => {
  it('the Lambda runtime, the bundle target, the pinned node package and @types/node share one major', () => {
    const runtimes = [...construct.matchAll(/Runtime\.NODEJS_(\d+)_X/g)].map((m) => m[1]);
    const targets = [...construct.matchAll(/target: 'node(\d+)'/g)].map((m) => m[1]);
    expect(runtimes).toHaveLength(1);
    expect(targets).toHaveLength(1);
    const pinned = major(pkg.devDependencies['node']);
    expect(pinned).toMatch(/^\d+$/);
    expect({
      runtime: runtimes[0],
      target: targets[0],
      types: major(pkg.devDependencies['@types/node']),
    }).toEqual({
      runtime: pinned,
      target: pinned,
      types: pinned,
    });
  });
});
