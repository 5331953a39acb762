-- Drops an activity's quota (only if it is still at epoch ARGV[1]; "0" = any).
-- KEYS: 1 quota hash, 2 pending hash
if ARGV[1] ~= '0' and redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
