import { LLMContextError, StoreError, StoreUnavailableError } from '../../errors.js';

/** Node socket errors that mean "the server is not there or went away". */
const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * SQLSTATEs (PostgreSQL Appendix A) that mean the connection or server is unavailable:
 * class 08 (connection exception), 57P01–57P03 (admin/crash shutdown, cannot connect now), 53300 (too many connections).
 */
function isUnavailableSqlState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
}

/** SQLSTATEs after which the same call may succeed: serialization failure, deadlock, lock timeout. */
const RETRYABLE_SQL_STATES = new Set(['40001', '40P01', '55P03']);

/**
 * Maps a driver error to the library's typed errors. Our own errors pass through. The message names
 * the store and operation and the SQLSTATE only: driver messages can quote parameter values, so they
 * stay in `cause` and are never copied into the message.
 */
export function toStoreError(error: unknown, operation: string, store = 'postgres'): LLMContextError {
  if (LLMContextError.isInstance(error)) return error;
  const record = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
  const code = typeof record.code === 'string' ? record.code : undefined;
  const message = typeof record.message === 'string' ? record.message : '';
  if (
    (code !== undefined && (CONNECTION_ERROR_CODES.has(code) || isUnavailableSqlState(code))) ||
    /Connection terminated|connection timeout|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end|not queryable/i.test(message)
  ) {
    return new StoreUnavailableError({ store, operation, cause: error });
  }
  if (code === '42P01' || code === '3F000') {
    return new StoreError({ store, operation, detail: `the store's tables are missing (SQLSTATE ${code}). Run \`await store.migrate()\` (or \`llm-context migrate\`) once before use.`, cause: error });
  }
  const detail = code !== undefined ? `the database returned SQLSTATE ${code}` : 'the database driver threw an error (see cause)';
  return new StoreError({ store, operation, detail, cause: error, retryable: code !== undefined && RETRYABLE_SQL_STATES.has(code) });
}
