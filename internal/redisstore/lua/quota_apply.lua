-- After a cancellation committed: frees the cancelled places and moves the
-- promoted attendees from the waitlist to the seats prepare reserved.
-- KEYS: 1 quota hash, 2 pending hash
-- ARGV: 1 epoch, 2 operation key, 3 cancelled count, per cancelled: session, attendee, user, "c"|"w";
--       then the promoted count, per promoted: session, attendee.
local Q, P = KEYS[1], KEYS[2]
if redis.call('HGET', Q, 'epoch') ~= ARGV[1] then
  redis.call('HDEL', P, ARGV[2])
  return 0
end
if redis.call('HDEL', P, ARGV[2]) == 0 then return 0 end
local i = 4
for _ = 1, tonumber(ARGV[3]) do
  local s, a, u, st = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  i = i + 4
  if st == 'c' then
    redis.call('HINCRBY', Q, 'n:' .. s, -1)
  else
    redis.call('HINCRBY', Q, 'q:' .. s, -1)
  end
  local uk = 'u:' .. s .. ':' .. u
  if redis.call('HINCRBY', Q, uk, -1) <= 0 then redis.call('HDEL', Q, uk) end
  redis.call('HDEL', Q, 'm:' .. s .. ':' .. a)
end
local np = tonumber(ARGV[i])
i = i + 1
for _ = 1, np do
  local s, a = ARGV[i], ARGV[i + 1]
  i = i + 2
  redis.call('HINCRBY', Q, 'q:' .. s, -1)
  -- A later cancellation of the promoted attendee may have been applied
  -- first (it freed the seat this one reserved): never bring them back.
  local m = 'm:' .. s .. ':' .. a
  if redis.call('HEXISTS', Q, m) == 1 then redis.call('HSET', Q, m, 'c') end
end
redis.call('HINCRBY', Q, 'ver', 1)
return 1
