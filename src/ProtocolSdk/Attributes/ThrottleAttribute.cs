using System;

namespace ProtocolSdk;

/// <summary>Which connections share a <see cref="ThrottleAttribute"/> budget.</summary>
public enum ThrottleScope
{
    /// <summary>Each connection has its own budget.</summary>
    PerConnection = 0,
    /// <summary>All connections from one remote IP address share a budget.</summary>
    PerPeer = 1,
    /// <summary>All live connections of the protocol type on one server share a budget, fairly (Twisted's ThrottlingFactory).</summary>
    AllConnections = 2,
}

/// <summary>
/// Limits read and/or write bandwidth with lazily refilled token buckets. Reading pauses while the read budget
/// is exhausted; writes are delayed (never dropped) while the write budget is. See docs/policies.md.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ThrottleAttribute : Attribute
{
    /// <summary>Read limit in bytes per second; 0 (default) means unlimited.</summary>
    public long ReadBytesPerSecond { get; set; }

    /// <summary>Write limit in bytes per second; 0 (default) means unlimited.</summary>
    public long WriteBytesPerSecond { get; set; }

    /// <summary>Who shares the budget. Default <see cref="ThrottleScope.PerConnection"/>.</summary>
    public ThrottleScope Scope { get; set; }

    /// <summary>Bucket capacity in bytes; 0 (default) means one second's worth of the limit.</summary>
    public long BurstBytes { get; set; }

    /// <summary>
    /// The budget is shared by every server instance that uses the same <see cref="ProtocolServerOptions.ClusterStore"/>
    /// (and key prefix), per <see cref="Scope"/>: one budget per peer across the fleet, or one for all connections of
    /// the fleet. A connection lives on one instance, so with <see cref="ThrottleScope.PerConnection"/> (the default
    /// scope) the budget is shared per peer (analyzer PSDK019 asks to say <c>Scope = ThrottleScope.PerPeer</c>).
    /// Received chunks are charged locally; each instance leases slices of the shared budget in the background.
    /// Default false. See docs/cluster.md.
    /// </summary>
    public bool ClusterWide { get; set; }

    /// <summary>
    /// With <see cref="ThrottleScope.PerPeer"/>: the IPv6 prefix length that counts as one peer: default 64 (one host
    /// often holds a whole /64); 128 (or 0) means the full address. IPv4 peers are always one address.
    /// </summary>
    public int IPv6PrefixLength { get; set; } = PolicyDefaults.IPv6PrefixLength;
}
