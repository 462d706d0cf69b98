import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors.js';
import { createSqlNames } from './sql-names.js';

describe('createSqlNames', () => {
  it('should quote and qualify table names with schema and prefix', () => {
    const names = createSqlNames({ schema: 'app', tablePrefix: 'ctx_' });
    expect(names.messages).toBe('"app"."ctx_messages"');
    expect(names.index('messages_search')).toBe('"ctx_messages_search"');
    expect(createSqlNames({}).conversations).toBe('"public"."llmctx_conversations"');
  });

  it('should reject any schema or prefix that is not a plain lowercase identifier', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), (text) => {
        const valid = /^[a-z_][a-z0-9_]{0,40}$/.test(text);
        let threw = false;
        try {
          createSqlNames({ schema: text });
        } catch (error) {
          threw = ValidationError.isInstance(error);
        }
        expect(threw).toBe(!valid);
      }),
    );
    expect(() => createSqlNames({ tablePrefix: 'x"; DROP TABLE y; --' })).toThrow(/tablePrefix/);
  });
});
