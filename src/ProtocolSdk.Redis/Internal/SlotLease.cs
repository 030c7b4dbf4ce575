using StackExchange.Redis;

namespace ProtocolSdk.Redis.Internal;

/// <summary>Whether Redis holds a lease's member, as far as this instance knows.</summary>
internal enum LeaseSync
{
    /// <summary>Noted while Redis could not be asked (breaker open): never sent, so nothing to remove.</summary>
    NotInRedis,
    /// <summary>A call about it failed or timed out: it may or may not be there (the next renewal adds it).</summary>
    Unknown,
    /// <summary>Added or renewed by a call that answered.</summary>
    InRedis,
}

/// <summary>
/// One connection's slots: the member <c>instanceId:leaseNumber</c> in the sorted set of each limit. The store's handle
/// in <see cref="ClusterSlots.Lease"/>. Renewal and release lock the lease while they issue their Redis command, so a
/// renewal can never re-add a member after its release was sent (commands on one connection run in the order issued).
/// </summary>
internal sealed class SlotLease
{
    public SlotLease(RedisClusterStore owner, long number, RedisKey[] keys, RedisValue[] scriptValues)
    {
        Owner = owner;
        Number = number;
        Keys = keys;
        ScriptValues = scriptValues;
    }

    public RedisClusterStore Owner { get; }

    public long Number { get; }

    /// <summary>One sorted set per limit.</summary>
    public RedisKey[] Keys { get; }

    /// <summary>ARGV of the slot scripts: member, lease time, key time-to-live, then the limits (only Acquire reads those).</summary>
    public RedisValue[] ScriptValues { get; }

    public RedisValue Member => ScriptValues[0];

    /// <summary>Guarded by locking the lease.</summary>
    public bool Released { get; set; }

    /// <summary>Guarded by locking the lease.</summary>
    public LeaseSync Sync { get; set; }
}
