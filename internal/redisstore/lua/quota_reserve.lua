-- Decides one sign-up: every attendee in every session, all or nothing.
-- KEYS: 1 quota hash, 2 pending hash, 3 idempotency key (same hash tag)
-- ARGV: 1 expected epoch ("0" = any), 2 user id, 3 per-account limit (0 = none),
--       4 group key, 5 now (ms), 6 idempotency on ("1"/"0"), 7 idempotency TTL (s),
--       8 session count, then the session ids, then the attendee count, then the attendee keys.
-- Answers: {"OK", epoch, "c"|"w", waitlisted ahead, decision number} or a refusal
-- {"REBUILD"} {"EPOCH", e} {"CLOSED", e} {"IDEM", e, group} {"NOSESSION", e}
-- {"DUP", e, attendee} {"LIMIT", e} {"FULL", e}.
-- Every redis.call costs about a microsecond: state is read with one HMGET
-- per session and written with one HSET.
local Q, P, I = KEYS[1], KEYS[2], KEYS[3]
local head = redis.call('HMGET', Q, 'epoch', 'st', 'ver', 'seq')
local e = head[1]
if not e then return {'REBUILD'} end
if ARGV[1] ~= '0' and ARGV[1] ~= e then return {'EPOCH', e} end
if head[2] ~= 'open' then return {'CLOSED', e} end
if ARGV[6] == '1' then
  local g = redis.call('GET', I)
  if g then return {'IDEM', e, g} end
end
local uid, limit, gk = ARGV[2], tonumber(ARGV[3]), ARGV[4]
local ns = tonumber(ARGV[8])
local sess = {}
for i = 1, ns do sess[i] = ARGV[8 + i] end
local na = tonumber(ARGV[9 + ns])
local att = {}
for i = 1, na do att[i] = ARGV[9 + ns + i] end

local cur = {}
for i, s in ipairs(sess) do
  local fields = {'cap:' .. s, 'wcap:' .. s, 'n:' .. s, 'q:' .. s, 'u:' .. s .. ':' .. uid}
  for _, a in ipairs(att) do fields[#fields + 1] = 'm:' .. s .. ':' .. a end
  local v = redis.call('HMGET', Q, unpack(fields))
  if not v[1] then return {'NOSESSION', e} end
  for j = 1, na do
    if v[5 + j] then return {'DUP', e, att[j]} end
  end
  cur[i] = {tonumber(v[1]), tonumber(v[2] or '0'), tonumber(v[3] or '0'), tonumber(v[4] or '0'), tonumber(v[5] or '0')}
end
if limit > 0 then
  for i = 1, ns do
    if cur[i][5] + na > limit then return {'LIMIT', e} end
  end
end
local seat, wait = true, true
for i = 1, ns do
  local c = cur[i]
  if c[3] + na > c[1] then seat = false end
  if c[4] + na > c[2] then wait = false end
end
local st
if seat then st = 'c' elseif wait then st = 'w' else return {'FULL', e} end
local w = {}
for i, s in ipairs(sess) do
  local c = cur[i]
  if st == 'c' then
    w[#w + 1] = 'n:' .. s
    w[#w + 1] = c[3] + na
  else
    w[#w + 1] = 'q:' .. s
    w[#w + 1] = c[4] + na
  end
  w[#w + 1] = 'u:' .. s .. ':' .. uid
  w[#w + 1] = c[5] + na
  for _, a in ipairs(att) do
    w[#w + 1] = 'm:' .. s .. ':' .. a
    w[#w + 1] = st
  end
end
w[#w + 1] = 'ver'
w[#w + 1] = (tonumber(head[3]) or 0) + 1
-- The decision number: increasing per activity (so per session), the order
-- the waitlist is kept, shown and promoted in whatever order the writes
-- reach MySQL. A rebuild continues after the highest one stored.
local seq = (tonumber(head[4]) or 0) + 1
w[#w + 1] = 'seq'
w[#w + 1] = seq
redis.call('HSET', Q, unpack(w))
redis.call('HSET', P, gk, ARGV[5] .. '|' .. st)
if ARGV[6] == '1' then redis.call('SET', I, gk, 'EX', ARGV[7]) end
return {'OK', e, st, cur[1][4], seq}
