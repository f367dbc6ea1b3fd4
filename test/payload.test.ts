import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  everrunsCancelPayload,
  everrunsEventPayload,
  everrunsMessageListPayload,
  everrunsMessagePayload,
  everrunsSessionListPayload,
  everrunsSessionPayload,
} from '../src/sources/everruns/payload.js';
import {
  factoryInterruptPayload,
  factoryMessageListPayload,
  factoryMessagePayload,
  factorySentMessagePayload,
  factorySessionListPayload,
  factorySessionPayload,
} from '../src/sources/factory/payload.js';

// z.compile never throws: a schema its compiler cannot model silently stays on the slower
// runtime parser. These checks make such a change to a payload schema visible.
describe('upstream payload schemas', () => {
  const schemas = {
    factorySessionPayload,
    factorySessionListPayload,
    everrunsSessionPayload,
    everrunsSessionListPayload,
    everrunsCancelPayload,
    factoryMessagePayload,
    factoryMessageListPayload,
    factorySentMessagePayload,
    factoryInterruptPayload,
    everrunsMessagePayload,
    everrunsMessageListPayload,
  };
  for (const [name, schema] of Object.entries(schemas)) {
    it(`${name} takes zod's compiled path`, () => {
      expect(() => z.compile(schema, { strict: true })).not.toThrow();
    });
  }

  it('a compiled schema drops unknown fields and reports issues with their paths, as the runtime parser does', () => {
    const session = {
      sessionId: 's1',
      status: 'idle',
      messageCount: 2,
      createdAt: 1,
      updatedAt: 2,
      extra: { nested: true },
      sessionSettings: { model: 'm', tags: [{ name: 'web', metadata: { team: 'acme' } }], unknownSetting: 1 },
    };
    expect(factorySessionPayload.parse(session)).toEqual({
      sessionId: 's1',
      status: 'idle',
      messageCount: 2,
      createdAt: 1,
      updatedAt: 2,
      sessionSettings: { model: 'm', tags: [{ name: 'web', metadata: { team: 'acme' } }] },
    });
    const drifted = factorySessionPayload.safeParse({
      ...session,
      messageCount: '2',
      sessionSettings: { tags: [{ name: 'web', metadata: { n: 1 } }] },
    });
    expect(drifted.error?.issues.map((issue) => issue.path.join('.'))).toEqual([
      'messageCount',
      'sessionSettings.tags.0.metadata',
    ]);
  });

  it('a message keeps an unknown content part whole and drops unknown message fields', () => {
    const message = {
      id: 'm1',
      role: 'assistant',
      content: [
        { type: 'text', text: 'hi' },
        { type: 'thinking', thinking: 'hmm', signature: 'abc' },
      ],
      createdAt: 1,
      updatedAt: 2,
      openaiPhase: 'final',
    };
    expect(factoryMessagePayload.parse(message)).toEqual({
      id: 'm1',
      role: 'assistant',
      content: [
        { type: 'text', text: 'hi' },
        { type: 'thinking', thinking: 'hmm', signature: 'abc' },
      ],
      createdAt: 1,
    });
    expect(factoryMessagePayload.safeParse({ ...message, content: [{ text: 'no type' }] }).success).toBe(false);
  });
});

describe('Everruns events', () => {
  it('take any JSON as `data`: a drifted upstream’s list or null is served as OtherEvent data, not dropped', () => {
    const event = { id: 'event_01', type: 'future.thing', ts: '2026-12-05T08:00:00.123456Z' };
    for (const data of [{ a: 1 }, [1, 2], null, 'text', 3]) {
      const parsed = everrunsEventPayload.safeParse({ ...event, data });
      expect(parsed.success, JSON.stringify(data)).toBe(true);
      expect(parsed.data?.data).toEqual(data);
    }
  });
});
