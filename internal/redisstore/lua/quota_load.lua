-- Replaces an activity's quota with a snapshot read from MySQL, only while
-- the caller still holds the rebuild lock; releases the lock. The quota
-- expires a while after the activity ends (a later decision rebuilds it).
-- With it, the Idempotency-Keys of the groups MySQL holds that Redis would
-- still remember: a retry is answered with its first answer as before the
-- loss, even by a full session (which would refuse it before MySQL's
-- unique key could recognise it).
-- KEYS: 1 quota hash, 2 pending hash, 3 rebuild lock, then one
--       idempotency key per record (same hash tag)
-- ARGV: 1 lock token, 2 expiry (unix ms), 3 record count r, then r pairs
--       (group key, expiry in unix ms), then field/value pairs.
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
local r = tonumber(ARGV[3])
for k = 1, r do
  local key = KEYS[3 + k]
  redis.call('SET', key, ARGV[2 + 2 * k])
  redis.call('PEXPIREAT', key, ARGV[3 + 2 * k])
end
local n = #ARGV
local i = 4 + 2 * r
while i <= n do
  local j = math.min(i + 999, n)
  redis.call('HSET', KEYS[1], unpack(ARGV, i, j))
  i = j + 1
end
-- The pending set keeps a placeholder so that it never empties (an empty
-- hash is deleted, and with it its expiry).
redis.call('HSET', KEYS[2], '_', '0')
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('PEXPIREAT', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[3])
return 1
