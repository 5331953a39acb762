-- Put before quota_reserve.lua (reserveCountedScript): counts the attempt's
-- rate limit first, in the decision's own run. KEYS 4.. are the limiter's
-- window keys; ARGV ends with their limits, then the window (ms), then their
-- number. The keys are counted in order, up to and including the first one
-- over its limit (as Limiter.AllowAll counts them); then nothing is reserved.
-- Answer: {"RATE", index of the key over its limit (0-based)}.
do
  local nl = tonumber(ARGV[#ARGV])
  local win = ARGV[#ARGV - 1]
  for i = 1, nl do
    local k = KEYS[3 + i]
    local n = redis.call('INCR', k)
    if n == 1 then redis.call('PEXPIRE', k, win) end
    if n > tonumber(ARGV[#ARGV - 2 - nl + i]) then return {'RATE', i - 1} end
  end
end
