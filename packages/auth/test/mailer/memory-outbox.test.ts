import { describe, expect, it } from 'vitest';
import { MemoryOutbox } from '../../src/mailer/memory-outbox.js';

describe('MemoryOutbox', () => {
  it('keeps sent messages, oldest first, with id and time', async () => {
    const outbox = new MemoryOutbox({ now: () => Date.parse('2026-01-01T00:00:00Z') });
    await outbox.send({ to: 'alice@acme.test', subject: 'one', text: '1' });
    await outbox.send({ to: 'bob@acme.test', subject: 'two', text: '2', html: '<p>2</p>' });
    const messages = outbox.messages();
    expect(messages.map((m) => m.subject)).toEqual(['one', 'two']);
    expect(messages[0]).toMatchObject({ to: 'alice@acme.test', sentAt: '2026-01-01T00:00:00.000Z' });
    expect(messages[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(messages[1]?.html).toBe('<p>2</p>');
    expect(outbox.messages({ to: 'BOB@acme.test' }).map((m) => m.subject)).toEqual(['two']);
  });

  it('is bounded: the oldest messages go first', async () => {
    const outbox = new MemoryOutbox({ capacity: 3 });
    for (let i = 0; i < 10; i++) await outbox.send({ to: 'a@acme.test', subject: `m${i}`, text: '' });
    expect(outbox.messages().map((m) => m.subject)).toEqual(['m7', 'm8', 'm9']);
    outbox.clear();
    expect(outbox.messages()).toEqual([]);
  });

  it('returns copies: callers cannot change what it holds', async () => {
    const outbox = new MemoryOutbox();
    await outbox.send({ to: 'a@acme.test', subject: 's', text: 't' });
    outbox.messages().length = 0;
    expect(outbox.messages()).toHaveLength(1);
    expect(Object.isFrozen(outbox.messages()[0])).toBe(true);
  });
});
