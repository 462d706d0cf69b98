import { ValidationError } from '../errors.js';
import type { Store } from '../spec/store.js';
import { validateId } from '../spec/validate.js';
import type { Conversation, JsonObject, Scope } from '../types.js';

/**
 * API keys, kept in the same store as the data so they work on every backend: one record per key
 * under a reserved tenant id no key can address (a key's scope is fixed when it is created, and
 * {@link createApiKeys} refuses to create one for the reserved tenant). A record is a conversation
 * (id = key id) whose metadata holds the key's tenant, user, role, expiry, revocation and the
 * HMAC-SHA-256 of the key under the server secret — never the key itself. Verification recomputes
 * the HMAC with WebCrypto and compares in constant time.
 */
export const KEYS_TENANT = '__llm_context_keys';

const KEYS_SCOPE: Scope = { tenantId: KEYS_TENANT };
const KEY_PREFIX = 'lcx_';

/** `read`: reads and context assembly; `write`: plus every data write; `admin`: plus erasing users, sweeping and minting tokens. */
export type KeyRole = 'read' | 'write' | 'admin';

export const ROLE_RANK: Readonly<Record<KeyRole, number>> = { read: 0, write: 1, admin: 2 };

/** A key's record, as `keys list` shows it (never the key or its hash). */
export interface ApiKeyRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly userId?: string;
  readonly role: KeyRole;
  readonly createdAt: Date;
  readonly expiresAt?: Date;
  readonly revoked: boolean;
  readonly label?: string;
}

export interface CreateApiKeyOptions {
  readonly tenantId: string;
  readonly userId?: string;
  /** @default 'write' */
  readonly role?: KeyRole;
  /** Lifetime in seconds; absent: the key does not expire. */
  readonly expiresInSeconds?: number;
  readonly label?: string;
}

export interface ApiKeys {
  /** Creates a key. @returns the key (shown once; only its HMAC is stored) and its record. @throws {ValidationError} */
  create(options: CreateApiKeyOptions): Promise<{ key: string; record: ApiKeyRecord }>;
  /** Every key record, optionally of one tenant, newest first. */
  list(options?: { tenantId?: string }): Promise<ApiKeyRecord[]>;
  /** Marks a key revoked. @returns false when no key has this id. */
  revoke(id: string): Promise<boolean>;
  /** The record of a valid key; null for a malformed, unknown, forged, expired or revoked key. */
  verify(key: string): Promise<ApiKeyRecord | null>;
}

/** Minimum server secret length (characters); the secret keys the HMAC, so it must be unguessable. */
export const MIN_SECRET_LENGTH = 32;

/**
 * @param options.store the data store (keys live beside the data).
 * @param options.secret the server secret (≥ 32 characters; `llm-context serve` keeps one in the data dir).
 * @param options.clock ms since epoch for expiry. @default Date.now
 * @throws {ValidationError} when the secret is too short.
 */
export function createApiKeys(options: { store: Store; secret: string; clock?: { now(): number } }): ApiKeys {
  const { store } = options;
  const clock = options.clock ?? { now: () => Date.now() };
  if (typeof options.secret !== 'string' || options.secret.length < MIN_SECRET_LENGTH) {
    throw new ValidationError({ field: 'secret', message: `must be at least ${MIN_SECRET_LENGTH} characters (e.g. 32 random bytes, base64)` });
  }
  const hmacKey = crypto.subtle.importKey('raw', new TextEncoder().encode(options.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = async (key: string) => toHex(new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey, new TextEncoder().encode(key))));

  return {
    async create(createOptions) {
      const tenantId = validateId('tenantId', createOptions.tenantId);
      if (tenantId === KEYS_TENANT) throw new ValidationError({ field: 'tenantId', message: `"${KEYS_TENANT}" is reserved for API keys` });
      if (createOptions.userId !== undefined) validateId('userId', createOptions.userId);
      const role = createOptions.role ?? 'write';
      if (!(role in ROLE_RANK)) throw new ValidationError({ field: 'role', message: 'must be "read", "write" or "admin"' });
      const expires = createOptions.expiresInSeconds;
      if (expires !== undefined && (!Number.isSafeInteger(expires) || expires <= 0)) throw new ValidationError({ field: 'expiresInSeconds', message: 'must be a positive integer (seconds)' });
      const id = toHex(crypto.getRandomValues(new Uint8Array(12)));
      const key = `${KEY_PREFIX}${id}_${toBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
      const now = clock.now();
      const record: ApiKeyRecord = {
        id,
        tenantId,
        ...(createOptions.userId !== undefined ? { userId: createOptions.userId } : {}),
        role,
        createdAt: new Date(now),
        ...(expires !== undefined ? { expiresAt: new Date(now + expires * 1000) } : {}),
        revoked: false,
        ...(createOptions.label !== undefined ? { label: createOptions.label } : {}),
      };
      await store.createConversation(KEYS_SCOPE, { id, tags: [tagOf(tenantId)], metadata: { ...recordToJson(record), hmac: await mac(key) } });
      return { key, record };
    },

    async list(listOptions = {}) {
      const records: ApiKeyRecord[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listConversations(KEYS_SCOPE, { limit: 1000, ...(cursor ? { cursor } : {}), ...(listOptions.tenantId ? { tag: tagOf(listOptions.tenantId) } : {}) });
        for (const conversation of page.items) {
          const record = recordOf(conversation);
          if (record) records.push(record);
        }
        cursor = page.nextCursor;
      } while (cursor);
      return records;
    },

    async revoke(id) {
      if (!/^[0-9a-f]{24}$/.test(id)) return false;
      const conversation = await store.getConversation(KEYS_SCOPE, id);
      if (!conversation) return false;
      await store.updateConversation(KEYS_SCOPE, id, { metadata: { ...conversation.metadata, revoked: true } });
      return true;
    },

    async verify(key) {
      const match = typeof key === 'string' ? /^lcx_([0-9a-f]{24})_[A-Za-z0-9_-]{43}$/.exec(key) : null;
      if (!match) return null;
      const conversation = await store.getConversation(KEYS_SCOPE, match[1]!);
      // Compute the HMAC even for an unknown id, so timing does not tell which ids exist.
      const expected = await mac(key);
      if (!conversation) return null;
      const stored = conversation.metadata.hmac;
      if (typeof stored !== 'string' || !constantTimeEqual(stored, expected)) return null;
      const record = recordOf(conversation);
      if (!record || record.revoked) return null;
      if (record.expiresAt && record.expiresAt.getTime() <= clock.now()) return null;
      return record;
    },
  };
}

/** Parses `--expires` values: `30d`, `12h`, `90m`, `45s`, or plain seconds. @returns seconds. @throws {ValidationError} */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) throw new ValidationError({ field: 'expires', message: 'must be a duration such as 30d, 12h, 90m or 3600 (seconds)' });
  const seconds = Number(match[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86_400 } as const)[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new ValidationError({ field: 'expires', message: 'must be a positive duration' });
  return seconds;
}

/** Equal-length strings compared without an early exit. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index += 1) difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
}

function tagOf(tenantId: string): string {
  // Tags are bounded in length; a tenant id that does not fit is listed without the filter tag.
  return `t:${tenantId}`.slice(0, 128);
}

function recordToJson(record: ApiKeyRecord): JsonObject {
  return {
    tenantId: record.tenantId,
    ...(record.userId !== undefined ? { userId: record.userId } : {}),
    role: record.role,
    createdAt: record.createdAt.toISOString(),
    ...(record.expiresAt ? { expiresAt: record.expiresAt.toISOString() } : {}),
    revoked: record.revoked,
    ...(record.label !== undefined ? { label: record.label } : {}),
  };
}

function recordOf(conversation: Conversation): ApiKeyRecord | null {
  const meta = conversation.metadata;
  if (typeof meta.tenantId !== 'string' || typeof meta.role !== 'string' || !(meta.role in ROLE_RANK)) return null;
  return {
    id: conversation.id,
    tenantId: meta.tenantId,
    ...(typeof meta.userId === 'string' ? { userId: meta.userId } : {}),
    role: meta.role as KeyRole,
    createdAt: new Date(String(meta.createdAt)),
    ...(typeof meta.expiresAt === 'string' ? { expiresAt: new Date(meta.expiresAt) } : {}),
    revoked: meta.revoked === true,
    ...(typeof meta.label === 'string' ? { label: meta.label } : {}),
  };
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
