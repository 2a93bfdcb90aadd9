import { describe, expect, it } from 'vitest';

describe('toolchain', () => {
  it('runs on the Node major version of the Lambda runtime (nodejs24.x)', () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
  });
});
