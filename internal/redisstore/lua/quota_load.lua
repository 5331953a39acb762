-- Replaces an activity's quota with a snapshot read from MySQL, only while
-- the caller still holds the rebuild lock; releases the lock. The quota
-- expires a while after the activity ends (a later decision rebuilds it).
-- KEYS: 1 quota hash, 2 pending hash, 3 rebuild lock
-- ARGV: 1 lock token, 2 expiry (unix ms), then field/value pairs.
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
local n = #ARGV
local i = 3
while i <= n do
  local j = math.min(i + 999, n)
  redis.call('HSET', KEYS[1], unpack(ARGV, i, j))
  i = j + 1
end
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('DEL', KEYS[3])
return 1
