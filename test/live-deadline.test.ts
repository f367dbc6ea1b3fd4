import { describe, expect, it } from 'vitest';
import { DEFAULT_RESILIENCE } from '../src/config.js';
import { globalId } from '../src/schema/node.js';
import { useHarness } from './harness.js';
import { eventsOf, subscribeSse, subscribeWs, useOpenSubscriptions } from './live-client.js';

// A short request deadline: subscriptions must outlive it, and each event gets one of its own.
const h = useHarness({ gateway: () => ({ resilience: { ...DEFAULT_RESILIENCE, requestDeadlineMs: 400 } }) });

const EVENTS = `subscription($id: ID!) {
  sessionEvents(sessionId: $id) { __typename ... on MessageAddedEvent { message { text session { title state } } } }
}`;

const open = useOpenSubscriptions(h);

describe('sessionEvents and the request deadline', () => {
  it.each([
    'sse',
    'ws',
  ] as const)('%s: events long after the deadline still resolve fields that call the upstream', async (transport) => {
    const session = h.emulator.tenants.get('acme')?.everrunsSessions.filter((s) => s.json.status === 'idle')[
      transport === 'sse' ? 2 : 9
    ];
    if (!session) throw new Error('no idle session');
    const id = session.json.id;
    const variables = { id: globalId('EverrunsSession', id) };
    const subscription =
      transport === 'sse' ? await subscribeSse(h.url, EVENTS, variables) : subscribeWs(h.url, EVENTS, variables);
    open.push(subscription);
    const started = Date.now();
    while (h.emulator.openSseStreams(id) !== 1) {
      if (Date.now() - started > 5_000) throw new Error('no upstream stream');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const message = {
      id: 'message_late',
      session_id: id,
      role: 'user',
      content: [{ type: 'text', text: 'Late.' }],
      created_at: new Date().toISOString(),
    };
    h.emulator.events.append(id, { type: 'input.message', data: { message } });
    await subscription.waitFor((payloads) => payloads.length >= 1);
    expect(subscription.payloads[0]?.errors).toBeUndefined();
    expect(eventsOf(subscription.payloads)[0]).toMatchObject({
      __typename: 'MessageAddedEvent',
      message: { text: 'Late.', session: { title: session.json.title ?? null } },
    });
    // The session was read for the event, after the subscription's own deadline had passed.
    expect(h.emulator.switchboard.count('GET /v1/sessions/:id')).toBeGreaterThanOrEqual(2);
  });
});
