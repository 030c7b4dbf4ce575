namespace ProtocolSdk.Redis.Internal;

/// <summary>
/// The token bucket behind a shared throttle budget, in one hash per budget (fields <c>tokens</c> and <c>ts</c>, the
/// refill time in microseconds of Redis server time). KEYS[1] = the hash; ARGV = rate (bytes/s), burst (bytes), wanted
/// (bytes). Refills at the rate up to the burst, takes min(wanted, available), and returns { granted bytes, microseconds
/// until min(wanted, burst) bytes are available again (0 when they already are) }. A missing hash is a full bucket, so
/// the key expires when it would have refilled anyway: idle budgets leave nothing behind. Numbers are written with
/// string.format because Lua's own number-to-string keeps only 14 digits (a microsecond timestamp has 16); the TTL is
/// capped at 10^12 ms, which only a rate far below one byte per second reaches.
/// </summary>
internal static class BudgetScript
{
    public static readonly RedisScript Take = new("""
        if redis.replicate_commands then redis.replicate_commands() end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local rate = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local wanted = tonumber(ARGV[3])
        local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
        local tokens = tonumber(state[1])
        local ts = tonumber(state[2])
        if tokens == nil or ts == nil then
          tokens = burst
          ts = now
        end
        if now > ts then
          tokens = math.min(burst, tokens + (now - ts) * rate / 1000000)
          ts = now
        end
        if tokens > burst then tokens = burst end
        local granted = math.floor(math.min(wanted, tokens))
        if granted < 0 then granted = 0 end
        tokens = tokens - granted
        local need = math.min(wanted, burst)
        local retry = 0
        if tokens < need then retry = math.ceil((need - tokens) * 1000000 / rate) end
        redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%d', ts))
        local ttl = math.min(math.ceil((burst - tokens) * 1000 / rate) + 1000, 1000000000000)
        redis.call('PEXPIRE', KEYS[1], string.format('%d', ttl))
        return { granted, retry }
        """);
}
