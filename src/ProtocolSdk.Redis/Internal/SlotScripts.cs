namespace ProtocolSdk.Redis.Internal;

/// <summary>
/// The Lua scripts behind connection slots. A slot is a member <c>instanceId:leaseNumber</c> of one sorted set per
/// limit, scored by its lease expiry in milliseconds of Redis server time (<c>TIME</c>), so every instance judges expiry
/// by the same clock. Every script takes the lease's sorted sets as KEYS (one Redis Cluster slot: they share the
/// policy's hash tag) and ARGV = member, lease time (ms), key time-to-live (ms), then the limits (acquire only).
/// A script runs atomically, so prune, count and add cannot interleave with another instance's.
/// </summary>
internal static class SlotScripts
{
    /// <summary>
    /// All or none: prunes expired members of every set, then adds the member to every set if each holds fewer than its
    /// limit. Returns 0 when granted, else the 1-based index of the first full limit (nothing added).
    /// </summary>
    public static readonly RedisScript Acquire = new("""
        if redis.replicate_commands then redis.replicate_commands() end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        for i = 1, #KEYS do
          redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
          if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[3 + i]) then
            return i
          end
        end
        local expiry = now + tonumber(ARGV[2])
        for i = 1, #KEYS do
          redis.call('ZADD', KEYS[i], expiry, ARGV[1])
          redis.call('PEXPIRE', KEYS[i], ARGV[3])
        end
        return 0
        """);

    /// <summary>
    /// Pushes the member's expiry one lease time past now in every set, adding it where it is missing: a lease that was
    /// noted while Redis was unreachable (or that expired while this instance could not renew it) is counted again,
    /// because its connection is still open. Returns how many sets did not hold the member.
    /// </summary>
    public static readonly RedisScript Renew = new("""
        if redis.replicate_commands then redis.replicate_commands() end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local expiry = now + tonumber(ARGV[2])
        local added = 0
        for i = 1, #KEYS do
          redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
          added = added + redis.call('ZADD', KEYS[i], expiry, ARGV[1])
          redis.call('PEXPIRE', KEYS[i], ARGV[3])
        end
        return added
        """);

    /// <summary>Removes the member from every set (a closed connection). Returns how many sets held it.</summary>
    public static readonly RedisScript Release = new("""
        local removed = 0
        for i = 1, #KEYS do
          removed = removed + redis.call('ZREM', KEYS[i], ARGV[1])
        end
        return removed
        """);
}
