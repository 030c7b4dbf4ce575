using System;

namespace ProtocolSdk;

/// <summary>
/// Connection limits for the protocol type on one server: at most <see cref="Total"/> live connections and at most
/// <see cref="PerPeer"/> per remote IP address. A connection over a limit is closed at once without
/// <see cref="Protocol.ConnectionMade"/>, or served by <see cref="Overflow"/> when given (it then counts toward Total).
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
    /// IPv6 prefix length that counts as one peer for <see cref="PerPeer"/> (e.g. 64); 0 (default) means the full address.
    /// </summary>
    public int IPv6PrefixLength { get; set; }
}
