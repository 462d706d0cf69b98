import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../errors.js';
import { toStoreError } from './driver-errors.js';

describe('toStoreError', () => {
  it('should map connection failures to a retryable StoreUnavailableError naming store and operation', () => {
    for (const cause of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('connection failure'), { code: '08006' }),
      new Error('Connection terminated unexpectedly'),
    ]) {
      const error = toStoreError(cause, 'appendMessages');
      expect(error.code).toBe('store_unavailable');
      expect(error.retryable).toBe(true);
      expect(error.message).toContain('[postgres] appendMessages');
      expect(error.cause).toBe(cause);
    }
  });

  it('should never copy the driver message (which can quote parameters) into the error message', () => {
    const cause = Object.assign(new Error('duplicate key value violates unique constraint: Key (id)=(my secret text)'), { code: '23505' });
    const error = toStoreError(cause, 'createConversation');
    expect(error.code).toBe('store_error');
    expect(error.message).toContain('SQLSTATE 23505');
    expect(error.message).not.toContain('secret');
  });

  it('should point at migrate() when the tables are missing', () => {
    const error = toStoreError(Object.assign(new Error('relation does not exist'), { code: '42P01' }), 'getConversation');
    expect(error.message).toMatch(/migrate\(\)/);
  });

  it('should mark serialization failures retryable and pass library errors through unchanged', () => {
    expect(toStoreError(Object.assign(new Error('x'), { code: '40001' }), 'putSummary').retryable).toBe(true);
    const ours = new NotFoundError({ kind: 'conversation', id: 'c1' });
    expect(toStoreError(ours, 'getTail')).toBe(ours);
  });
});
