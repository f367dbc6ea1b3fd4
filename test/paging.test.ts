import { describe, expect, it } from 'vitest';
import { lazyConnection } from '../src/schema/paging.js';

describe('lazyConnection', () => {
  const page = lazyConnection(
    ['a', 'b', 'c'],
    (item) => ({ id: item }),
    (item) => `cursor-${item}`,
    true,
    false,
  );

  it('encodes cursors on demand, for edges and pageInfo alike', () => {
    expect(page.edges.map((edge) => edge.node.id)).toEqual(['a', 'b', 'c']);
    expect(page.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(page.pageInfo.startCursor).toBe('cursor-a');
    expect(page.pageInfo.endCursor).toBe('cursor-c');
    expect(page.edges[1]?.cursor).toBe('cursor-b');
  });

  it('keeps the cursor getters off the page objects', () => {
    // An object literal's getter is an accessor pair V8 (Node 20) allocates in old space; it
    // kept every request's page alive through young-generation GCs (docs/performance.md).
    for (const name of ['startCursor', 'endCursor']) {
      expect(Object.getOwnPropertyDescriptor(page.pageInfo, name)).toBeUndefined();
    }
    expect(Object.getOwnPropertyDescriptor(page.edges[0], 'cursor')).toBeUndefined();
  });
});
