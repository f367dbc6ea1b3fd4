import { describe, expect, it } from 'vitest';
import { SessionLoader } from '../src/loaders/session-loader.js';
import { type FactorySessionRecord, toFactorySession } from '../src/sources/factory/to-session.js';

const record = (id: string, title: string): FactorySessionRecord =>
  toFactorySession({ sessionId: id, status: 'idle', messageCount: 1, createdAt: 1, updatedAt: 1, title });

const page = (...sessions: FactorySessionRecord[]) => Promise.resolve({ sessions });

describe('SessionLoader', () => {
  it('answers from list pages in the order they arrived; a later prime or refresh wins', async () => {
    const fetched: string[] = [];
    const loader = new SessionLoader<FactorySessionRecord>(async (id) => {
      fetched.push(id);
      return record(id, 'fetched');
    }, 4);
    // Pages listed before any load are indexed on the first lookup, in arrival order.
    await loader.list(page(record('a', 'page 1'), record('b', 'page 1')));
    await loader.list(page(record('b', 'page 2')));
    loader.prime(record('c', 'primed'));
    await loader.list(page(record('c', 'page 3')));
    loader.refresh('a');
    const loaded = await Promise.all(['a', 'b', 'c'].map((id) => loader.load(id)));
    expect(loaded.map((s) => s?.title)).toEqual(['fetched', 'page 2', 'page 3']);
    expect(fetched).toEqual(['a']);

    // Once loads have begun, a page replaces a copy already loaded in this request.
    await loader.list(page(record('a', 'page 4')));
    expect((await loader.load('a'))?.title).toBe('page 4');
    loader.forget('b');
    expect(await loader.load('b')).toBeNull();
    expect(fetched).toEqual(['a']);
  });
});
