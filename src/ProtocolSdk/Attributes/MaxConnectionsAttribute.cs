using System;

namespace ProtocolSdk;

/// <summary>
/// Connection limits for the protocol type on one server: at most <see cref="Total"/> live connections and at most
/// <see cref="PerPeer"/> per remote IP address (0 = no limit of that kind; at least one must be positive). A connection
/// over a limit is closed at once without <see cref="Protocol.ConnectionMade"/>, or served by <see cref="Overflow"/> when
/// given. Overflow connections have a pool of the same size: at most <see cref="Total"/> of them in all and at most
/// <see cref="PerPeer"/> per peer (where set); beyond that they are rejected too. They pass the <c>[UsePolicy]</c> admission
/// like any other connection.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class MaxConnectionsAttribute : Attribute
{
    /// <summary>Maximum live connections; 0 (default) means unlimited.</summary>
    public int Total { get; set; }

    /// <summary>Maximum live connections per remote IP address; 0 (default) means unlimited.</summary>
    public int PerPeer { get; set; }

    /// <summary>A <see cref="Protocol"/> type with a parameterless constructor that serves connections over a limit.</summary>
    public Type? Overflow { get; set; }

    /// <summary>
    /// Counts are shared by every server instance that uses the same <see cref="ProtocolServerOptions.ClusterStore"/>
    /// (and key prefix): <see cref="Total"/> and <see cref="PerPeer"/> then hold across the fleet. Each instance still
    /// enforces them locally first, so the store is asked once per connection the instance itself would admit.
    /// Default false. See docs/cluster.md.
    /// </summary>
    public bool ClusterWide { get; set; }

    /// <summary>
    /// IPv6 prefix length that counts as one peer for <see cref="PerPeer"/>: default 64 (one host often holds a whole /64,
    /// so a smaller prefix would let it take PerPeer slots per address); 128 (or 0) means the full address.
    /// IPv4 peers are always one address.
    /// </summary>
    public int IPv6PrefixLength { get; set; } = PolicyDefaults.IPv6PrefixLength;
}
