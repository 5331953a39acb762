-- Decides one sign-up: every attendee in every session, all or nothing.
-- KEYS: 1 quota hash, 2 pending hash, 3 idempotency key (same hash tag)
-- ARGV: 1 expected epoch ("0" = any), 2 user id, 3 per-account limit (0 = none),
--       4 group key, 5 now (ms), 6 idempotency on ("1"/"0"), 7 idempotency TTL (s),
--       8 session count, then the session ids, then the attendee count, then the attendee keys.
-- Answers: {"OK", epoch, "c"|"w", waitlisted ahead} or a refusal
-- {"REBUILD"} {"EPOCH", e} {"CLOSED", e} {"IDEM", e, group} {"NOSESSION", e}
-- {"DUP", e, attendee} {"LIMIT", e} {"FULL", e}.
local Q, P, I = KEYS[1], KEYS[2], KEYS[3]
local e = redis.call('HGET', Q, 'epoch')
if not e then return {'REBUILD'} end
if ARGV[1] ~= '0' and ARGV[1] ~= e then return {'EPOCH', e} end
if redis.call('HGET', Q, 'st') ~= 'open' then return {'CLOSED', e} end
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

for _, s in ipairs(sess) do
  if not redis.call('HGET', Q, 'cap:' .. s) then return {'NOSESSION', e} end
  for _, a in ipairs(att) do
    if redis.call('HEXISTS', Q, 'm:' .. s .. ':' .. a) == 1 then return {'DUP', e, a} end
  end
end
if limit > 0 then
  for _, s in ipairs(sess) do
    local used = tonumber(redis.call('HGET', Q, 'u:' .. s .. ':' .. uid) or '0')
    if used + na > limit then return {'LIMIT', e} end
  end
end
local seat, wait, ahead = true, true, 0
for i, s in ipairs(sess) do
  local n = tonumber(redis.call('HGET', Q, 'n:' .. s) or '0')
  local q = tonumber(redis.call('HGET', Q, 'q:' .. s) or '0')
  if n + na > tonumber(redis.call('HGET', Q, 'cap:' .. s)) then seat = false end
  if q + na > tonumber(redis.call('HGET', Q, 'wcap:' .. s) or '0') then wait = false end
  if i == 1 then ahead = q end
end
local st
if seat then st = 'c' elseif wait then st = 'w' else return {'FULL', e} end
local counter = 'q:'
if st == 'c' then counter = 'n:' end
for _, s in ipairs(sess) do
  redis.call('HINCRBY', Q, counter .. s, na)
  redis.call('HINCRBY', Q, 'u:' .. s .. ':' .. uid, na)
  for _, a in ipairs(att) do redis.call('HSET', Q, 'm:' .. s .. ':' .. a, st) end
end
redis.call('HINCRBY', Q, 'ver', 1)
redis.call('HSET', P, gk, ARGV[5] .. '|' .. st)
if redis.call('PTTL', P) == -1 then redis.call('PEXPIRE', P, math.max(redis.call('PTTL', Q), 1000)) end
if ARGV[6] == '1' then redis.call('SET', I, gk, 'EX', ARGV[7]) end
return {'OK', e, st, ahead}
