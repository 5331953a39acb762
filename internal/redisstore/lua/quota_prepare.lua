-- Before a cancellation commits: reserves seats for the waitlisted groups
-- that fit once the cancelled seats are free (FIFO, first groups that fit,
-- never split). The cancelled seats themselves are freed only by apply,
-- after the commit.
-- KEYS: 1 quota hash, 2 pending hash
-- ARGV: 1 epoch, 2 operation key, 3 now (ms), 4 number of (session, freed) pairs, the pairs,
--       then the candidate count and per candidate: pair count, (session, size) pairs.
-- Answer: {"OK", epoch, {chosen candidate indexes, 0-based}} | {"REBUILD"} | {"EPOCH", e}
local Q, P = KEYS[1], KEYS[2]
local e = redis.call('HGET', Q, 'epoch')
if not e then return {'REBUILD'} end
if e ~= ARGV[1] then return {'EPOCH', e} end
local avail = {}
local function availOf(s)
  if avail[s] == nil then
    local cap = redis.call('HGET', Q, 'cap:' .. s)
    if not cap then
      avail[s] = -1000000000
    else
      avail[s] = tonumber(cap) - tonumber(redis.call('HGET', Q, 'n:' .. s) or '0')
    end
  end
  return avail[s]
end
local i = 5
for _ = 1, tonumber(ARGV[4]) do
  local s, f = ARGV[i], tonumber(ARGV[i + 1])
  avail[s] = availOf(s) + f
  i = i + 2
end
local nc = tonumber(ARGV[i])
i = i + 1
local chosen = {}
for c = 1, nc do
  local np = tonumber(ARGV[i])
  i = i + 1
  local fits = np > 0
  local want = {}
  for k = 1, np do
    local s, n = ARGV[i], tonumber(ARGV[i + 1])
    i = i + 2
    want[k] = {s, n}
    if n > availOf(s) then fits = false end
  end
  if fits then
    for _, p in ipairs(want) do
      avail[p[1]] = avail[p[1]] - p[2]
      redis.call('HINCRBY', Q, 'n:' .. p[1], p[2])
    end
    chosen[#chosen + 1] = c - 1
  end
end
redis.call('HSET', P, ARGV[2], ARGV[3] .. '|x')
if redis.call('PTTL', P) == -1 then redis.call('PEXPIRE', P, math.max(redis.call('PTTL', Q), 1000)) end
redis.call('HINCRBY', Q, 'ver', 1)
return {'OK', e, chosen}
