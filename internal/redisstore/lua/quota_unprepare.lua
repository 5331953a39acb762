-- Gives back the seats prepare reserved when the cancellation did not commit.
-- KEYS: 1 quota hash, 2 pending hash
-- ARGV: 1 epoch, 2 operation key, then (session, seats) pairs.
local Q, P = KEYS[1], KEYS[2]
if redis.call('HGET', Q, 'epoch') ~= ARGV[1] then return 0 end
if redis.call('HDEL', P, ARGV[2]) == 0 then return 0 end
for i = 3, #ARGV, 2 do
  redis.call('HINCRBY', Q, 'n:' .. ARGV[i], -tonumber(ARGV[i + 1]))
end
redis.call('HINCRBY', Q, 'ver', 1)
return 1
