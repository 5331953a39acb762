-- Gives back a reservation whose write definitely failed. A no-op when the
-- reservation is no longer pending: already released, or the quota was
-- rebuilt since (a rebuild drops the pending set with the counts).
-- KEYS: 1 quota hash, 2 pending hash, 3 idempotency key
-- ARGV: 1 epoch ("0" = any), 2 user id, 3 group key, 4 idempotency on,
--       5 session count, the session ids, the attendee count, the attendee keys.
local Q, P, I = KEYS[1], KEYS[2], KEYS[3]
if ARGV[4] == '1' and redis.call('GET', I) == ARGV[3] then redis.call('DEL', I) end
if ARGV[1] ~= '0' and redis.call('HGET', Q, 'epoch') ~= ARGV[1] then return 0 end
local pv = redis.call('HGET', P, ARGV[3])
if not pv then return 0 end
redis.call('HDEL', P, ARGV[3])
local uid = ARGV[2]
local ns = tonumber(ARGV[5])
local na = tonumber(ARGV[6 + ns])
local counter = 'q:'
if string.sub(pv, -1) == 'c' then counter = 'n:' end
for i = 1, ns do
  local s = ARGV[5 + i]
  redis.call('HINCRBY', Q, counter .. s, -na)
  local u = 'u:' .. s .. ':' .. uid
  if redis.call('HINCRBY', Q, u, -na) <= 0 then redis.call('HDEL', Q, u) end
  for j = 1, na do redis.call('HDEL', Q, 'm:' .. s .. ':' .. ARGV[6 + ns + j]) end
end
redis.call('HINCRBY', Q, 'ver', 1)
return 1
