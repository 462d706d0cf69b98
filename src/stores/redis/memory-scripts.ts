import { defineScript } from './redis-client.js';

/**
 * The Lua scripts of Redis memories. Every key they touch is passed in `KEYS` and shares the
 * owner's hash tag (see memory-keys.ts), so each runs atomically on one cluster slot. `KEYS[1..9]`
 * are the fixed keys of `fixedMemoryKeys` where a script takes them: docs, terms, lengths,
 * stats, byKey, all, pinned, vocabulary, tagNames, versions.
 *
 * Writes are compare-and-set: the client reads the memory first (`READ`), computes the new
 * document, its terms and which tag and term keys change, and `WRITE` applies that only when the
 * stored document is still the one read ('stale' otherwise, and the client starts again). So every
 * key a write touches is declared, as Redis Cluster requires, and a write never parses JSON.
 */

/** Byte-wise string order (Redis sorts sorted-set ties by bytes; Lua's `<` follows the server locale). */
const BYTES_BEFORE = `
local function bytesBefore(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
`;

/**
 * KEYS docs, terms, ..., byKey (the fixed keys). ARGV 1 upsert key ('' = none), 2 id.
 * Returns the id the write applies to (the key's memory, else `id`), its document and its terms ('' when absent).
 */
export const READ = defineScript(
  'memory-read',
  `
local id = ARGV[2]
if ARGV[1] ~= '' then
  local holder = redis.call('HGET', KEYS[5], ARGV[1])
  if holder then id = holder end
end
return {id, redis.call('HGET', KEYS[1], id) or '', redis.call('HGET', KEYS[2], id) or ''}
`,
);

/**
 * KEYS the 10 fixed keys, then `nTags` tag keys, then `nTerms` term keys.
 * ARGV 1 id, 2 expected document ('' = absent), 3 the upsert key whose holder must be absent or
 * `id` ('' = no check), 4 new document ('' = delete, with the memory's history), 5 updatedAt ms,
 * 6 pinned ('1'|'0'), 7 the old document's key, 8 the new key ('' = none), 9 new length in terms,
 * 10 new terms JSON, 11 nTags, 12 nTerms, 13 the superseded version to prepend to the history
 * ('' = none), then per tag key: name, in old ('1'|'0'), in new ('1'|'0'); then per term key:
 * name, in old ('1'|'0'), frequency in the new document ('0' = absent).
 * Returns {'ok', new document} or {'stale'} (nothing written).
 */
export const WRITE = defineScript(
  'memory-write',
  `
local id = ARGV[1]
local current = redis.call('HGET', KEYS[1], id) or ''
if current ~= ARGV[2] then return {'stale'} end
if ARGV[3] ~= '' then
  local holder = redis.call('HGET', KEYS[5], ARGV[3])
  if holder and holder ~= id then return {'stale'} end
end
local now = ARGV[5]
local nTags, nTerms = tonumber(ARGV[11]), tonumber(ARGV[12])
local p = 14
for i = 1, nTags do
  local key, name, old, new = KEYS[10 + i], ARGV[p], ARGV[p + 1], ARGV[p + 2]
  p = p + 3
  if new == '1' then
    redis.call('ZADD', key, now, id)
    redis.call('SADD', KEYS[9], name)
  elseif old == '1' then
    redis.call('ZREM', key, id)
    if redis.call('EXISTS', key) == 0 then redis.call('SREM', KEYS[9], name) end
  end
end
for i = 1, nTerms do
  local key, name, old, posting = KEYS[10 + nTags + i], ARGV[p], ARGV[p + 1], ARGV[p + 2]
  p = p + 3
  if posting ~= '0' then
    redis.call('ZADD', key, posting, id)
    redis.call('SADD', KEYS[8], name)
  elseif old == '1' then
    redis.call('ZREM', key, id)
    if redis.call('EXISTS', key) == 0 then redis.call('SREM', KEYS[8], name) end
  end
end
local existed = current ~= ''
local oldLength = tonumber(redis.call('HGET', KEYS[3], id) or '0')
if ARGV[7] ~= '' and redis.call('HGET', KEYS[5], ARGV[7]) == id then redis.call('HDEL', KEYS[5], ARGV[7]) end
if ARGV[4] == '' then
  redis.call('HDEL', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  redis.call('HDEL', KEYS[10], id)
  redis.call('ZREM', KEYS[6], id)
  redis.call('ZREM', KEYS[7], id)
  if existed then
    redis.call('HINCRBY', KEYS[4], 'n', -1)
    redis.call('HINCRBY', KEYS[4], 'len', 0 - oldLength) -- never '-0', which HINCRBY refuses
  end
  return {'ok', ''}
end
if ARGV[13] ~= '' then
  local older = redis.call('HGET', KEYS[10], id)
  redis.call('HSET', KEYS[10], id, older and (ARGV[13] .. '\\n' .. older) or ARGV[13])
end
redis.call('HSET', KEYS[1], id, ARGV[4])
redis.call('HSET', KEYS[2], id, ARGV[10])
redis.call('HSET', KEYS[3], id, ARGV[9])
if not existed then redis.call('HINCRBY', KEYS[4], 'n', 1) end
redis.call('HINCRBY', KEYS[4], 'len', tonumber(ARGV[9]) - oldLength)
redis.call('ZADD', KEYS[6], now, id)
if ARGV[6] == '1' then redis.call('ZADD', KEYS[7], now, id) else redis.call('ZREM', KEYS[7], id) end
if ARGV[8] ~= '' then redis.call('HSET', KEYS[5], ARGV[8], id) end
return {'ok', ARGV[4]}
`,
);

/**
 * Newest first by (updatedAt, id), strictly after the cursor. Walks the smallest of the sets every
 * result must be in (a tag's, the pinned set, else all memories) and checks the others per member,
 * so a filtered listing reads about as many members as the smallest filter holds.
 * KEYS docs, all, pinned, then the tag keys. ARGV 1 limit, 2 pinned ('' | '1' | '0'), 3 cursor
 * updatedAt ms ('' = first page), 4 cursor id.
 * Returns {documents (at most limit), more ('1'|'0'), count of all, count of pinned}.
 */
export const LIST = defineScript(
  'memory-list',
  `${BYTES_BEFORE}
local limit, want = tonumber(ARGV[1]), ARGV[2]
local required = {}
for i = 4, #KEYS do required[#required + 1] = KEYS[i] end
if want == '1' then required[#required + 1] = KEYS[3] end
local base, baseSize = KEYS[2], redis.call('ZCARD', KEYS[2])
for _, key in ipairs(required) do
  local size = redis.call('ZCARD', key)
  if size < baseSize then base, baseSize = key, size end
end
local ids = {}
local function take(batch)
  for _, id in ipairs(batch) do
    local ok = true
    for _, key in ipairs(required) do
      if key ~= base and not redis.call('ZSCORE', key, id) then ok = false break end
    end
    if ok and want == '0' and redis.call('ZSCORE', KEYS[3], id) then ok = false end
    if ok then
      ids[#ids + 1] = id
      if #ids > limit then return true end
    end
  end
  return false
end
-- walked by rank (each step O(log n + chunk)), starting below the cursor's time
local rank, done = 0, false
if ARGV[3] ~= '' then
  -- ties at the cursor's time come in descending byte order: keep the ids below the cursor's
  local after = {}
  for _, id in ipairs(redis.call('ZREVRANGEBYSCORE', base, ARGV[3], ARGV[3])) do
    if bytesBefore(id, ARGV[4]) then after[#after + 1] = id end
  end
  done = take(after)
  rank = redis.call('ZCOUNT', base, ARGV[3], '+inf')
end
local chunk = math.min(math.max(limit + 1, 64), 1000)
while not done do
  local batch = redis.call('ZREVRANGE', base, rank, rank + chunk - 1)
  if #batch == 0 then break end
  done = take(batch)
  rank = rank + #batch
end
local more = '0'
if #ids > limit then
  more = '1'
  ids[#ids] = nil
end
local docs = {}
if #ids > 0 then docs = redis.call('HMGET', KEYS[1], unpack(ids)) end
return {docs, more, redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3])}
`,
);

/**
 * A posting's score packs the term frequency and the memory's length in terms, so one read of a
 * posting list brings everything BM25 needs: `tf * 2^24 + (2^24 - 1 - length)`. Sorted descending,
 * a list therefore starts with the strongest postings (highest frequency, then shortest memory).
 * Lengths are capped at 2^24 - 1 (a memory is at most 1 MiB, so far fewer terms); scores stay
 * integers below 2^53, exact in a double.
 */
export const POSTING_SHIFT = 2 ** 24;

export function postingScore(frequency: number, length: number): number {
  return frequency * POSTING_SHIFT + (POSTING_SHIFT - 1 - Math.min(length, POSTING_SHIFT - 1));
}

/**
 * BM25 over the owner's inverted index, the same scoring as `LexicalIndex` (src/search/lexical-index.ts:
 * Lucene's non-negative idf, k1, b; N and avgdl over all the owner's memories; distinct query terms
 * taken rarest first). Equal scores rank as listings do, newest first by (updatedAt, id): the
 * PostgreSQL store also puts the newest first; numbers compare fast in Lua, where byte-wise id
 * comparisons of a large tie (a one-word query) would cost more than the search. Reads only the query terms' posting lists, at most `maxPostings`
 * of each (the strongest, see {@link postingScore}); a term with more postings than that only
 * re-scores memories a rarer term found (one `ZMSCORE`). So the cost grows with the matches, up to
 * that bound, not with the memories held.
 * KEYS docs, stats, all, then `nTags` tag keys (a result carries every tag), then the term keys.
 * ARGV 1 limit, 2 nTags, 3 maxPostings, 4 k1, 5 b.
 * Returns document, score (as a string, full precision) pairs, best first.
 */
export const SEARCH = defineScript(
  'memory-search',
  `${BYTES_BEFORE}
local SHIFT = ${POSTING_SHIFT}
local limit, nTags, maxPostings = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local k1, b = tonumber(ARGV[4]), tonumber(ARGV[5])
local stats = redis.call('HMGET', KEYS[2], 'n', 'len')
local n = tonumber(stats[1] or '0')
if n <= 0 then return {} end
local avg = tonumber(stats[2] or '0') / n
if avg <= 0 then avg = 1 end
local terms = {}
for i = 4 + nTags, #KEYS do
  local df = redis.call('ZCARD', KEYS[i])
  if df > 0 then terms[#terms + 1] = {key = KEYS[i], df = df, at = i} end
end
table.sort(terms, function(x, y) if x.df ~= y.df then return x.df < y.df end return x.at < y.at end)
local scores, order, rejected = {}, {}, {}
local function add(id, posting, idf)
  local packed = tonumber(posting)
  local tf = math.floor(packed / SHIFT)
  local length = SHIFT - 1 - (packed - tf * SHIFT)
  if not scores[id] then
    scores[id] = 0
    order[#order + 1] = id
  end
  scores[id] = scores[id] + idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avg))
end
-- ZMSCORE of many members, 1,000 at a time (Lua's unpack is bounded by its C stack)
local function scoresOf(key, ids)
  local out = {}
  for from = 1, #ids, 1000 do
    local last = math.min(from + 999, #ids)
    local got = redis.call('ZMSCORE', key, unpack(ids, from, last))
    for i = from, last do out[i] = got[i - from + 1] end
  end
  return out
end
for _, term in ipairs(terms) do
  local idf = math.log(1 + (n - term.df + 0.5) / (term.df + 0.5))
  if term.df > maxPostings and #order > 0 then
    local known = {}
    for i = 1, #order do known[i] = order[i] end
    local got = scoresOf(term.key, known)
    for i = 1, #known do if got[i] then add(known[i], got[i], idf) end end
  else
    local postings = redis.call('ZREVRANGE', term.key, 0, maxPostings - 1, 'WITHSCORES')
    if nTags > 0 then
      local fresh = {}
      for j = 1, #postings, 2 do
        local id = postings[j]
        if not scores[id] and not rejected[id] then fresh[#fresh + 1] = id end
      end
      for t = 1, nTags do
        local got = scoresOf(KEYS[3 + t], fresh)
        for i = 1, #fresh do if not got[i] then rejected[fresh[i]] = true end end
      end
    end
    for j = 1, #postings, 2 do
      if not rejected[postings[j]] then add(postings[j], postings[j + 1], idf) end
    end
  end
end
if #order == 0 then return {} end
local times = {}
local updated = scoresOf(KEYS[3], order)
for i = 1, #order do times[order[i]] = tonumber(updated[i]) or 0 end
local function better(x, y)
  if scores[x] ~= scores[y] then return scores[x] > scores[y] end
  if times[x] ~= times[y] then return times[x] > times[y] end
  return bytesBefore(y, x)
end
-- The best \`limit\`, kept sorted: a candidate is compared with the worst kept one, and placed by
-- binary search only when it beats it. A posting list lists equal postings in descending byte
-- order, the order ties rank in, so a tie loses at once (one comparison) instead of displacing
-- every kept one.
local top = {}
for i = 1, #order do
  local id = order[i]
  if #top < limit or better(id, top[#top]) then
    local low, high = 1, #top + 1
    while low < high do
      local middle = math.floor((low + high) / 2)
      if better(id, top[middle]) then high = middle else low = middle + 1 end
    end
    table.insert(top, low, id)
    if #top > limit then top[#top] = nil end
  end
end
if #top == 0 then return {} end
local docs = redis.call('HMGET', KEYS[1], unpack(top))
local out = {}
for i = 1, #top do
  out[#out + 1] = docs[i]
  out[#out + 1] = string.format('%.17g', scores[top[i]])
end
return out
`,
);

/**
 * Erasure of one owner's memories: unlinks every key, provided the client declared every tag and
 * term key that exists (checked against the tag and vocabulary sets; 'stale' otherwise, as a write
 * may have added one since the client read them).
 * KEYS the 10 fixed keys, then `nTags` tag keys, then the term keys. ARGV 1 nTags, then the tag
 * names, then the term names (in key order). Returns {'ok', memories removed} or {'stale'}.
 */
export const ERASE = defineScript(
  'memory-erase',
  `
local nTags = tonumber(ARGV[1])
local tags, terms = {}, {}
for i = 2, 1 + nTags do tags[ARGV[i]] = true end
for i = 2 + nTags, #ARGV do terms[ARGV[i]] = true end
for _, name in ipairs(redis.call('SMEMBERS', KEYS[9])) do if not tags[name] then return {'stale'} end end
for _, name in ipairs(redis.call('SMEMBERS', KEYS[8])) do if not terms[name] then return {'stale'} end end
local count = redis.call('HLEN', KEYS[1])
for from = 1, #KEYS, 1000 do redis.call('UNLINK', unpack(KEYS, from, math.min(from + 999, #KEYS))) end
return {'ok', count}
`,
);
