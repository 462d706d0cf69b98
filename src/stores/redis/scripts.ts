import { defineScript } from './redis-client.js';

/**
 * The Lua scripts of the Redis store. Each runs atomically on the one cluster slot of its keys:
 * conversation scripts take the five keys of one conversation (`meta msgs ids tok sum`, one hash
 * tag), index scripts the keys of one scope (one hash tag). Times (`now`) come from the store's
 * clock as an argument, never from the server's `TIME`, so an injected test clock governs expiry.
 *
 * Conversation scripts share the argument header `now, hasUser ('1'|'0'), userId`.
 */

const PRELUDE = `
local function fmt(n) return string.format('%.0f', n) end
-- absent | pending | expired | live, and whether the caller's scope owns it, from the meta fields
-- tenantId, userId, expiresAt, pending (f[1..4])
local function judge(f, hasUser, user, now)
  if not f[1] then return 'absent', false end
  if f[4] then return 'pending', false end
  local owned
  if hasUser == '1' then owned = (f[2] == user) else owned = (f[2] == false) end
  if f[3] and tonumber(f[3]) <= now then return 'expired', owned end
  return 'live', owned
end
local function inspect(meta, hasUser, user, now)
  return judge(redis.call('HMGET', meta, 'tenantId', 'userId', 'expiresAt', 'pending'), hasUser, user, now)
end
local function visible()
  local state, owned = inspect(KEYS[1], ARGV[2], ARGV[3], tonumber(ARGV[1]))
  return state == 'live' and owned
end
-- every key of the conversation gets the meta key's remaining TTL, or none
local function align()
  local pttl = redis.call('PTTL', KEYS[1])
  for i = 2, #KEYS do
    if pttl > 0 then redis.call('PEXPIRE', KEYS[i], pttl) else redis.call('PERSIST', KEYS[i]) end
  end
end
local function touch(now)
  local old = tonumber(redis.call('HGET', KEYS[1], 'updatedAt'))
  redis.call('HSET', KEYS[1], 'updatedAt', fmt(math.max(now, old)))
end
`;

const conversationScript = (name: string, body: string) => defineScript(name, `${PRELUDE}\nlocal now = tonumber(ARGV[1])\n${body}`);

/** ARGV 4 unused, 5 ttl ms ('0' = none), 6.. field/value pairs of the new meta hash. */
export const CREATE = conversationScript(
  'create',
  `
local state, owned = inspect(KEYS[1], ARGV[2], ARGV[3], now)
if state == 'live' then
  if owned then return {'exists', redis.call('HGETALL', KEYS[1])} end
  return {'taken'}
elseif state == 'pending' then return {'taken'} end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
local ttl = tonumber(ARGV[5])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return {'created', redis.call('HGETALL', KEYS[1])}
`,
);

/** ARGV 4 titleOp, 5 title, 6 tagsOp, 7 tags JSON, 8 metadataOp, 9 metadata JSON, 10 ttlOp (keep|set|del), 11 seconds, 12 mode. */
export const UPDATE = conversationScript(
  'update',
  `
if not visible() then return {'nf'} end
local oldTags = redis.call('HGET', KEYS[1], 'tags')
touch(now)
if ARGV[4] == 'set' then redis.call('HSET', KEYS[1], 'title', ARGV[5]) elseif ARGV[4] == 'del' then redis.call('HDEL', KEYS[1], 'title') end
if ARGV[6] == 'set' then redis.call('HSET', KEYS[1], 'tags', ARGV[7]) end
if ARGV[8] == 'set' then redis.call('HSET', KEYS[1], 'metadata', ARGV[9]) end
if ARGV[10] == 'set' then
  local ms = tonumber(ARGV[11]) * 1000
  redis.call('HSET', KEYS[1], 'ttlSeconds', ARGV[11], 'ttlMode', ARGV[12], 'expiresAt', fmt(now + ms))
  redis.call('PEXPIRE', KEYS[1], ms)
elseif ARGV[10] == 'del' then
  redis.call('HDEL', KEYS[1], 'ttlSeconds', 'ttlMode', 'expiresAt')
  redis.call('PERSIST', KEYS[1])
end
align()
return {'ok', oldTags, redis.call('HGETALL', KEYS[1])}
`,
);

/** ARGV 4 state JSON, 5 expected version ('' = unconditional). */
export const UPDATE_STATE = conversationScript(
  'update-state',
  `
if not visible() then return {'nf'} end
local version = tonumber(redis.call('HGET', KEYS[1], 'stateVersion'))
if ARGV[5] ~= '' and tonumber(ARGV[5]) ~= version then return {'conflict', fmt(version)} end
touch(now)
redis.call('HSET', KEYS[1], 'state', ARGV[4], 'stateVersion', fmt(version + 1))
return {'ok', redis.call('HGETALL', KEYS[1])}
`,
);

/** ARGV 4 'force' deletes an owned conversation even when expired (erasure). Returns tags JSON, parentId, messageCount. */
export const DELETE = conversationScript(
  'delete',
  `
local state, owned = inspect(KEYS[1], ARGV[2], ARGV[3], now)
if state == 'expired' and not (owned and ARGV[4] == 'force') then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
  return {'nf'}
end
if state == 'absent' or state == 'pending' or not owned then return {'nf'} end
local f = redis.call('HMGET', KEYS[1], 'tags', 'parentId', 'messageCount')
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return {'deleted', f[1], f[2] or '', f[3]}
`,
);

/**
 * ARGV 4 dedupeByContentHash ('1'|'0'), 5 n, 6 the batch's primary token count (the sum over its
 * messages), 7 the conversation's `lastSeq` the caller expects, then per message: id and its
 * stored JSON as the caller built it, with seq `expected + position` (`{"seq":N,"tc":…`). When
 * `lastSeq` is as expected and every id is new (one writer per conversation, the common case)
 * those strings are stored as they came; otherwise the script cuts each one's `{"seq":N,` and
 * puts its own seq in front. Building the member in Lua cost ≈ 1.2 µs per message (≈ 25 µs of
 * server time at 20). Lua never parses or re-encodes a message (cjson would round numbers to 14
 * digits). A message's role, content hash and primary count are read from its head
 * (`{"seq":N,"tc":";enc=N…","id":…,"role":…,"contentHash":…`) on the paths that need them (a
 * stored id, dedupe): passing them as arguments cost ≈ 0.25 µs of server time and about as much
 * client time per value, ≈ 30 µs for a 20-message batch.
 * Returns 'ok', inserted, the meta hash, and per input message in order either its new seq (an
 * integer: the caller has the message) or the stored JSON (a string: the id was already stored,
 * or the dedupe matched). Returns 'conflict', the id and the meta's `updatedAt`, writing nothing,
 * when a stored id comes again with another role or content hash.
 *
 * Costs O(1) Redis calls per batch, not per message (one HMGET of the ids, one ZADD and two HSETs
 * for all new messages, one HSET of the meta hash): at 20 messages, per-message calls made the
 * script about 170 µs of server time, most of it spent crossing between Lua and Redis.
 */
const APPEND_BODY = `
-- redis.call(command, key, args...) in slices of 1,000 arguments: Lua's unpack is bounded by its
-- C stack (about 8,000 values) and a batch has no size limit. Returns the concatenated replies.
local function sliced(command, key, args)
  local out = {}
  for from = 1, #args, 1000 do
    local reply = redis.call(command, key, unpack(args, from, math.min(from + 999, #args)))
    if type(reply) == 'table' then for i = 1, #reply do out[#out + 1] = reply[i] end end
  end
  return out
end
-- One HGETALL serves both the checks and the reply (the meta hash as the append leaves it):
-- every value crossing into Lua costs about 1 µs, so reading it twice cost ≈ 15 µs per append.
local meta = redis.call('HGETALL', KEYS[1])
local at = {}
for i = 1, #meta, 2 do at[meta[i]] = i + 1 end
local function field(name) return at[name] and meta[at[name]] or false end
local function put(name, value)
  if at[name] then meta[at[name]] = value else meta[#meta + 1] = name; meta[#meta + 1] = value; at[name] = #meta end
end
local f = {field('tenantId'), field('userId'), field('expiresAt'), field('pending'), field('lastSeq'), field('messageCount'), field('tokenCount'), field('ttlSeconds'), field('ttlMode'), field('updatedAt')}
local state, owned = judge(f, ARGV[2], ARGV[3], now)
if state ~= 'live' or not owned then return {'nf'} end
local n = tonumber(ARGV[5])
local dedupe = ARGV[4] == '1'
-- per message: id, member with the caller's seq (ARGV[p], ARGV[p + 1])
local stride = 2
local first = 8
-- Role and content hash of a member. The id before them is JSON-escaped, so it holds no '","' (its
-- quotes are escaped): the first '","role":"' is the id's end.
local function roleAndHash(member)
  return string.match(member, '^{"seq":%d+,"tc":"[^"]*","id":".-","role":"(%a+)","contentHash":"(%x+)"')
end
-- The primary token count: the first count of the member's token header (0 when it has none).
local function primary(member)
  return tonumber(string.match(member, '^{"seq":%d+,"tc":";[^=]*=(%d+)')) or 0
end
if dedupe then
  local tail = redis.call('ZREVRANGE', KEYS[2], 0, n - 1)
  if #tail == n then
    local same = true
    for i = 1, n do
      local m = cjson.decode(tail[n - i + 1])
      local role, hash = roleAndHash(ARGV[first + (i - 1) * stride + 1])
      if m.role ~= role or m.contentHash ~= hash then same = false break end
    end
    if same then
      local out = {}
      for i = 1, n do out[i] = tail[n - i + 1] end
      return {'ok', 0, meta, out}
    end
  end
end
local ids = {}
for i = 1, n do ids[i] = ARGV[first + (i - 1) * stride] end
-- n values in input order (the caller's ids are unique), false where the id is new
local stored = sliced('HMGET', KEYS[3], ids)
local out = {}
-- The batch's token count, less the messages already stored (not inserted again).
local tokens = tonumber(ARGV[6])
-- The caller's seqs are right when lastSeq is the one it expected and no id is skipped.
local asSent = ARGV[7] == f[5]
-- A stored id coming again with another role or content hash refuses the whole batch, before any write.
for i = 1, n do
  if stored[i] then
    local member = ARGV[first + (i - 1) * stride + 1]
    out[i] = redis.call('ZRANGEBYSCORE', KEYS[2], stored[i], stored[i])[1]
    local m = cjson.decode(out[i])
    local role, hash = roleAndHash(member)
    if m.role ~= role or m.contentHash ~= hash then return {'conflict', ids[i], f[10]} end
    tokens = tokens - primary(member)
    asSent = false
  end
end
local seq = tonumber(f[5])
local members, idPairs = {}, {}
for i = 1, n do
  local p = first + (i - 1) * stride
  if not stored[i] then
    seq = seq + 1
    local s = fmt(seq)
    members[#members + 1] = s
    if asSent then
      members[#members + 1] = ARGV[p + 1]
    else
      local member = ARGV[p + 1]
      -- the caller's member from its first comma (the end of its seq) on
      members[#members + 1] = '{"seq":' .. s .. string.sub(member, (string.find(member, ',', 1, true)))
    end
    idPairs[#idPairs + 1] = ARGV[p]
    idPairs[#idPairs + 1] = s
    out[i] = seq
  end
end
local inserted = #idPairs / 2
if inserted > 0 then
  sliced('ZADD', KEYS[2], members)
  sliced('HSET', KEYS[3], idPairs)
  -- (No per-seq token hash: a message's primary count is the first count in its member's head,
  -- which DELETE_MESSAGE reads; one HSET fewer per append.)
  local fields = {'lastSeq', fmt(seq), 'messageCount', fmt(tonumber(f[6]) + inserted), 'tokenCount', fmt(tonumber(f[7]) + tokens),
    'updatedAt', fmt(math.max(now, tonumber(f[10])))}
  if f[9] == 'sliding' then
    local ms = tonumber(f[8]) * 1000
    fields[#fields + 1] = 'expiresAt'
    fields[#fields + 1] = fmt(now + ms)
    redis.call('HSET', KEYS[1], unpack(fields))
    for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ms) end
  else
    redis.call('HSET', KEYS[1], unpack(fields))
    -- A fixed TTL: keys this append created take the meta key's remaining TTL. Without a TTL no key
    -- of the conversation carries one (every script leaves them aligned), so nothing to align.
    if f[9] then align() end
  end
  for i = 1, #fields, 2 do put(fields[i], fields[i + 1]) end
end
return {'ok', inserted, meta, out}
`;

export const APPEND = conversationScript('append', APPEND_BODY);

/**
 * {@link APPEND} then, when it inserted messages, {@link INDEX_TOUCH} of the scope index keys given
 * after the five conversation keys, in one `EVALSHA`: for a single connection to a standalone
 * server only (the keys span two hash tags; a cluster answers `CROSSSLOT`). ARGV: APPEND's, then
 * the conversation id. Returns APPEND's reply; an `ok` reply gets a fifth element, INDEX_TOUCH's
 * reply (each key's score before, '' where absent or not touched).
 */
export const APPEND_TOUCH = defineScript(
  'append-touch',
  `${PRELUDE}
local now = tonumber(ARGV[1])
-- The index keys leave KEYS, so APPEND's TTL code (which walks #KEYS) sees the conversation's five only.
local IX = {}
for i = 6, #KEYS do IX[#IX + 1] = KEYS[i] end
for i = #KEYS, 6, -1 do KEYS[i] = nil end
local function append()
${APPEND_BODY}
end
local reply = append()
if reply[1] ~= 'ok' then return reply end
local before = {}
local id = ARGV[#ARGV]
for i = 1, #IX do
  local s = false
  if reply[2] > 0 then
    s = redis.call('ZSCORE', IX[i], id)
    if s then redis.call('ZADD', IX[i], 'GT', now, id) end
  end
  before[i] = s or ''
end
reply[5] = before
return reply
`,
);

/**
 * The tail read, one round trip: walks back from ARGV 7 (a ZRANGEBYSCORE bound, '+inf' or '(N')
 * in reads sized from the average message, summing each message's count for the encoding ARGV 4
 * (percent-encoded) taken from the member's `tc` head, until ARGV 5 tokens are reached (the
 * crossing message is included) or ARGV 6 messages are read. Returns 'ok', the JSON members
 * newest first, and '1' when no older message exists.
 */
export const TAIL = conversationScript(
  'tail',
  `
if not visible() then return {'nf'} end
local needle = ';' .. ARGV[4] .. '='
local maxTokens = tonumber(ARGV[5])
local maxMessages = tonumber(ARGV[6])
local upper = ARGV[7]
local out = {}
local total = 0
-- Size each read from the average stored count, so the walk usually takes one or two reads
-- and never copies many more messages into Lua than the budget holds.
local stats = redis.call('HMGET', KEYS[1], 'messageCount', 'tokenCount')
local average = math.max(1, (tonumber(stats[2]) or 0) / math.max(1, tonumber(stats[1]) or 1))
while #out < maxMessages and total < maxTokens do
  local chunk = math.max(8, math.min(1024, math.ceil((maxTokens - total) / average * 1.1) + 2))
  local want = math.min(chunk, maxMessages - #out)
  local page = redis.call('ZREVRANGEBYSCORE', KEYS[2], upper, '-inf', 'LIMIT', 0, want)
  if #page == 0 then break end
  -- Every member starts with '{"seq":N,"tc":";enc=count;…"' (see codec.ts): seq and count are
  -- read from its head with anchored matches, never by parsing the message.
  for i = 1, #page do
    local seq, counts = string.match(page[i], '^{"seq":(%d+),"tc":"([^"]*)"')
    local count = 0
    local at = string.find(counts, needle, 1, true)
    if at then count = tonumber(string.match(counts, '^%d+', at + #needle)) or 0 end
    out[#out + 1] = page[i]
    total = total + count
    upper = '(' .. seq
    if total >= maxTokens or #out >= maxMessages then break end
  end
  if #page < want then break end
end
local older = redis.call('ZREVRANGEBYSCORE', KEYS[2], upper, '-inf', 'LIMIT', 0, 1)
return {'ok', out, #older == 0 and '1' or '0'}
`,
);

/** ARGV 4 message id. Returns 'deleted' and the message's JSON (its lexical index entries go next). */
export const DELETE_MESSAGE = conversationScript(
  'delete-message',
  `
if not visible() then return {'nf'} end
local s = redis.call('HGET', KEYS[3], ARGV[4])
if not s then return {'absent'} end
local member = redis.call('ZRANGEBYSCORE', KEYS[2], s, s)[1]
-- The primary count: from the seq → count hash where older appends kept it, else the first
-- count of the member's head ('{"seq":N,"tc":";enc=count;…"').
local primary = tonumber(redis.call('HGET', KEYS[4], s) or (member and string.match(member, '^{"seq":%d+,"tc":";[^=;]*=(%d+)')) or '0')
redis.call('HDEL', KEYS[4], s)
redis.call('ZREMRANGEBYSCORE', KEYS[2], s, s)
redis.call('HDEL', KEYS[3], ARGV[4])
redis.call('HINCRBY', KEYS[1], 'messageCount', -1)
redis.call('HINCRBY', KEYS[1], 'tokenCount', fmt(0 - primary))
touch(now)
return {'deleted', member or ''}
`,
);

export const GET_SUMMARY = conversationScript(
  'get-summary',
  `
if not visible() then return {'nf'} end
return {'ok', redis.call('HGET', KEYS[5], 'j')}
`,
);

/** ARGV 4 expected coversThroughSeq ('' = no summary yet), 5 new coversThroughSeq, 6 summary JSON. */
export const PUT_SUMMARY = conversationScript(
  'put-summary',
  `
if not visible() then return {'nf'} end
local current = redis.call('HMGET', KEYS[5], 'c', 'j')
if (current[1] or '') ~= ARGV[4] then return {'conflict', current[2]} end
redis.call('HSET', KEYS[5], 'c', ARGV[5], 'j', ARGV[6])
align()
return {'applied'}
`,
);

/**
 * Fork and import fill a new conversation in several steps (its source may live in another slot):
 * CLAIM takes the id with a 'pending' marker (invisible to reads, short TTL so a crashed fill
 * vanishes), FILL writes message chunks, PUBLISH writes the meta fields and drops the marker.
 * ARGV 4 nonce, 5 conversation id, 6 tenant id, 7 pending TTL ms.
 */
export const CLAIM = conversationScript(
  'claim',
  `
local state, owned = inspect(KEYS[1], ARGV[2], ARGV[3], now)
if state ~= 'absent' and state ~= 'expired' then return {'taken'} end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('HSET', KEYS[1], 'id', ARGV[5], 'tenantId', ARGV[6], 'pending', ARGV[4])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[7]))
return {'claimed'}
`,
);

/** ARGV 4 nonce, 5 n, then per message: seq, id, primary count, full JSON. */
export const FILL = conversationScript(
  'fill',
  `
if redis.call('HGET', KEYS[1], 'pending') ~= ARGV[4] then return {'lost'} end
local p = 6
for i = 1, tonumber(ARGV[5]) do
  local s = ARGV[p]
  redis.call('ZADD', KEYS[2], s, ARGV[p + 3])
  redis.call('HSET', KEYS[3], ARGV[p + 1], s)
  redis.call('HSET', KEYS[4], s, ARGV[p + 2])
  p = p + 4
end
align()
return {'ok'}
`,
);

/** ARGV 4 nonce, 5 ttl ms ('0' = none), 6 summary coversThroughSeq ('' = none), 7 summary JSON, 8.. meta field/value pairs. */
export const PUBLISH = conversationScript(
  'publish',
  `
if redis.call('HGET', KEYS[1], 'pending') ~= ARGV[4] then return {'lost'} end
redis.call('HDEL', KEYS[1], 'pending')
redis.call('HSET', KEYS[1], unpack(ARGV, 8))
if ARGV[6] ~= '' then redis.call('HSET', KEYS[5], 'c', ARGV[6], 'j', ARGV[7]) end
local ttl = tonumber(ARGV[5])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) else redis.call('PERSIST', KEYS[1]) end
align()
return {'ok', redis.call('HGETALL', KEYS[1])}
`,
);

/** ARGV 4 nonce. */
export const ABORT = conversationScript(
  'abort',
  `
if redis.call('HGET', KEYS[1], 'pending') == ARGV[4] then redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]) end
return {'ok'}
`,
);

/**
 * The sweep of one conversation named by the expiry index. ARGV 1 now. Returns 'gone' (Redis
 * already expired it), 'pending', 'live' with its current expiresAt ('' = no TTL), or 'swept'
 * with its tags JSON and parentId so the caller can drop its index entries.
 */
export const SWEEP_ONE = defineScript(
  'sweep-one',
  `
local f = redis.call('HMGET', KEYS[1], 'expiresAt', 'pending', 'tags', 'parentId', 'tenantId')
if not f[5] then return {'gone'} end
if f[2] then return {'pending'} end
if not f[1] then return {'live', ''} end
if tonumber(f[1]) > tonumber(ARGV[1]) then return {'live', f[1]} end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return {'swept', f[3], f[4] or ''}
`,
);

/**
 * Index write on one scope's slot. KEYS 1 registry set, 2 the scope's 'all' index, 3.. nAdd index
 * keys to add to, then nRemove index keys to remove from. ARGV 1 conversation id, 2 score
 * (updatedAt ms), 3 ZADD mode ('NX' before a create, 'GT' after a write: scores only move forward),
 * 4 nAdd, 5 nRemove.
 */
export const INDEX_WRITE = defineScript(
  'index-write',
  `
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2], ARGV[1])
local nAdd = tonumber(ARGV[4])
local nRemove = tonumber(ARGV[5])
for i = 3, 2 + nAdd do
  redis.call('ZADD', KEYS[i], ARGV[3], ARGV[2], ARGV[1])
  redis.call('SADD', KEYS[1], KEYS[i])
end
for i = 3 + nAdd, 2 + nAdd + nRemove do redis.call('ZREM', KEYS[i], ARGV[1]) end
return 1
`,
);

/**
 * The index step an append sends right behind its APPEND script (see append.ts): moves `id` (ARGV 1)
 * forward to score ARGV 2 (ms) in each index key that already holds it. It never adds an entry and
 * never moves one back (`GT`), so it is harmless when the append turns out to write nothing or the
 * conversation is gone. Returns each key's score before the call, '' where `id` was absent.
 */
export const INDEX_TOUCH = defineScript(
  'index-touch',
  `
local before = {}
for i = 1, #KEYS do
  local s = redis.call('ZSCORE', KEYS[i], ARGV[1])
  if s then redis.call('ZADD', KEYS[i], 'GT', ARGV[2], ARGV[1]) end
  before[i] = s or ''
end
return before
`,
);

/**
 * Compare-and-set repair of one index entry, applied only if its score is still the one the reader
 * saw (so a repair never undoes a concurrent writer's newer entry). ARGV 1 id, 2 observed score,
 * 3 'rem' | 'set', 4 new score.
 */
export const INDEX_REPAIR = defineScript(
  'index-repair',
  `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s or tonumber(s) ~= tonumber(ARGV[2]) then return 0 end
if ARGV[3] == 'rem' then redis.call('ZREM', KEYS[1], ARGV[1]) else redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1]) end
return 1
`,
);

/**
 * One page of an index, newest first (score desc, then id desc), strictly after the cursor
 * (ARGV 1 score, '' for the first page; ARGV 2 id); ARGV 3 count. Returns member/score pairs.
 * O(log n + count) while the cursor's entry is unchanged; otherwise it skips the cursor's score
 * group by comparison.
 */
export const INDEX_PAGE = defineScript(
  'index-page',
  `
local count = tonumber(ARGV[3])
if ARGV[1] == '' then return redis.call('ZREVRANGE', KEYS[1], 0, count - 1, 'WITHSCORES') end
local current = redis.call('ZSCORE', KEYS[1], ARGV[2])
if current and tonumber(current) == tonumber(ARGV[1]) then
  local rank = redis.call('ZREVRANK', KEYS[1], ARGV[2])
  return redis.call('ZREVRANGE', KEYS[1], rank + 1, rank + count, 'WITHSCORES')
end
local out = {}
local offset = 0
while #out < count * 2 do
  local page = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1], 'WITHSCORES', 'LIMIT', offset, 256)
  for i = 1, #page, 2 do
    if page[i] < ARGV[2] and #out < count * 2 then out[#out + 1] = page[i]; out[#out + 1] = page[i + 1] end
  end
  if #page < 512 then break end
  offset = offset + 256
end
if #out < count * 2 then
  local rest = redis.call('ZREVRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '-inf', 'WITHSCORES', 'LIMIT', 0, count - #out / 2)
  for i = 1, #rest do out[#out + 1] = rest[i] end
end
return out
`,
);

/**
 * Lexical index scripts (see lexical-index.ts), on one scope's slot. Postings are members of a
 * term's sorted set, all scored 0 so they sort lexicographically: `<conversation>:<seq>:<tf>:<length>`,
 * so a conversation's postings are the range `[c:` … `(c;` and a message's `[c:seq:` … `(c:seq;`
 * (`;` follows `:` in ASCII; ids are percent-encoded, so they hold neither).
 */
const LEX_PRELUDE = `
local function chunked(command, key, args)
  for from = 1, #args, 1000 do redis.call(command, key, unpack(args, from, math.min(from + 999, #args))) end
end
local function drop(stats, c)
  local f = redis.call('HMGET', stats, 'n:' .. c, 'l:' .. c)
  redis.call('HINCRBY', stats, 'N', 0 - (tonumber(f[1]) or 0))
  redis.call('HINCRBY', stats, 'L', 0 - (tonumber(f[2]) or 0))
  redis.call('HDEL', stats, 's:' .. c, 'n:' .. c, 'l:' .. c, 'u:' .. c, 'c:' .. c)
end
`;

/**
 * Adds one conversation's newly indexed messages. KEYS 1 stats, 2 the conversation's term set,
 * 3 the scope registry (erasure unlinks what it names), 4.. term keys. ARGV 1 conversation id
 * (as stored: stats fields are binary-safe), 2 the indexed-through seq the caller started from ('0' = none), 3 the new one,
 * 4 messages added, 5 their total length, 6 the conversation's listing score the pass saw, kept
 * as `u:` ('' when messages are left to index), 7 the conversation's `createdAt` (kept as `c:`:
 * a conversation created again under the same id is told apart), then per term key: a count and that many postings.
 * Applied only when the stored indexed-through seq is still ARGV 2 (a compare-and-set, so two
 * searches catching up at once never index a message twice). Returns 1 when applied, else 0.
 */
export const LEX_ADD = defineScript(
  'lex-add',
  `${LEX_PRELUDE}
local c = ARGV[1]
if (redis.call('HGET', KEYS[1], 's:' .. c) or '0') ~= ARGV[2] then return 0 end
local p = 8
local terms = {}
for i = 4, #KEYS do
  local n = tonumber(ARGV[p])
  local members = {}
  for j = 1, n do members[#members + 1] = 0; members[#members + 1] = ARGV[p + j] end
  chunked('ZADD', KEYS[i], members)
  terms[#terms + 1] = KEYS[i]
  p = p + n + 1
end
if #terms > 0 then
  chunked('SADD', KEYS[2], terms)
  chunked('SADD', KEYS[3], terms)
end
redis.call('SADD', KEYS[3], KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 's:' .. c, ARGV[3], 'c:' .. c, ARGV[7])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'u:' .. c, ARGV[6]) else redis.call('HDEL', KEYS[1], 'u:' .. c) end
redis.call('HINCRBY', KEYS[1], 'N', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'L', ARGV[5])
redis.call('HINCRBY', KEYS[1], 'n:' .. c, ARGV[4])
redis.call('HINCRBY', KEYS[1], 'l:' .. c, ARGV[5])
return 1
`,
);

/**
 * Removes every posting of one conversation. KEYS 1 stats, 2 the conversation's term set, 3.. its
 * members as the caller read them. ARGV 1 conversation id, 2 the id encoded. Returns 0 without writing when
 * the set changed since (a concurrent indexing pass added terms: the caller reads it again).
 */
export const LEX_PURGE = defineScript(
  'lex-purge',
  `${LEX_PRELUDE}
local e = ARGV[2]
if redis.call('SCARD', KEYS[2]) ~= #KEYS - 2 then return 0 end
for i = 3, #KEYS do redis.call('ZREMRANGEBYLEX', KEYS[i], '[' .. e .. ':', '(' .. e .. ';') end
redis.call('DEL', KEYS[2])
drop(KEYS[1], ARGV[1])
return 1
`,
);

/**
 * Removes one message's postings. KEYS 1 stats, 2.. its term keys. ARGV 1 conversation id, 2 the
 * id encoded, 3 seq, 4 its length in terms. The counts change only when a posting was there.
 */
export const LEX_REMOVE = defineScript(
  'lex-remove',
  `
local c = ARGV[1]
local message = ARGV[2] .. ':' .. ARGV[3]
local removed = 0
for i = 2, #KEYS do removed = removed + redis.call('ZREMRANGEBYLEX', KEYS[i], '[' .. message .. ':', '(' .. message .. ';') end
if removed > 0 then
  redis.call('HINCRBY', KEYS[1], 'N', -1)
  redis.call('HINCRBY', KEYS[1], 'L', 0 - tonumber(ARGV[4]))
  redis.call('HINCRBY', KEYS[1], 'n:' .. c, -1)
  redis.call('HINCRBY', KEYS[1], 'l:' .. c, 0 - tonumber(ARGV[4]))
end
return removed
`,
);

/**
 * What an indexing pass has to look at. KEYS 1 the scope's `all` conversation index, 2 stats.
 * ARGV 1 how far before the watermark to look (ms), 2 most conversations to return, 3 most
 * entries to scan. Walks the conversations updated since (watermark − ARGV 1), oldest first,
 * skipping those whose listing score is still the one their last indexing pass saw (`u:`).
 * Returns the watermark, '1' when the scan stopped early, the last score scanned, then id,
 * score, indexed-through seq ('0' = none) and indexed `createdAt` ('' = none) of each
 * conversation to look at.
 */
export const LEX_CHANGED = defineScript(
  'lex-changed',
  `
local w = tonumber(redis.call('HGET', KEYS[2], 'w') or '0')
local want = tonumber(ARGV[2])
local page = redis.call('ZRANGEBYSCORE', KEYS[1], w - tonumber(ARGV[1]), '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
local out = {tostring(w), #page / 2 >= tonumber(ARGV[3]) and '1' or '0', page[#page] or ''}
local found = 0
for i = 1, #page, 2 do
  local f = redis.call('HMGET', KEYS[2], 'u:' .. page[i], 's:' .. page[i], 'c:' .. page[i])
  if f[1] ~= page[i + 1] then
    if found == want then
      out[2] = '1'
      out[3] = page[i - 1]
      break
    end
    found = found + 1
    out[#out + 1] = page[i]
    out[#out + 1] = page[i + 1]
    out[#out + 1] = f[2] or '0'
    out[#out + 1] = f[3] or ''
  end
end
return out
`,
);

/** Records (KEYS 1 stats) that conversation ARGV 1 had nothing new to index at listing score ARGV 2. */
export const LEX_SEEN = defineScript(
  'lex-seen',
  `
redis.call('HSET', KEYS[1], 'u:' .. ARGV[1], ARGV[2])
return 1
`,
);

/** Moves the indexing watermark (KEYS 1 stats) forward to ARGV 1 (ms), never back. */
export const LEX_MARK = defineScript(
  'lex-mark',
  `
if tonumber(ARGV[1]) > tonumber(redis.call('HGET', KEYS[1], 'w') or '0') then redis.call('HSET', KEYS[1], 'w', ARGV[1]) end
return 1
`,
);
