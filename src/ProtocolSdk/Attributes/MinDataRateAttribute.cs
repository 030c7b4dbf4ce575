using System;

namespace ProtocolSdk;

/// <summary>
/// Slow-sender defence (like Kestrel's MinDataRate): after <see cref="GraceSeconds"/>, and then over every following
/// window of that length, a connection that received fewer than <see cref="BytesPerSecond"/> times the window is
/// closed. Only time spent waiting for the peer counts: time with reading paused (by the protocol, backpressure or a
/// read throttle) and intervals in which received bytes were already waiting for us (our side was late) are not held
/// against the peer. Meant for protocols whose peers keep sending; idle-but-legitimate peers need <c>[Timeout]</c> instead.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class MinDataRateAttribute : Attribute
{
    /// <summary>Minimum average inbound rate in bytes per second; must be positive.</summary>
    public double BytesPerSecond { get; set; }

    /// <summary>Length of the grace period and of each later measuring window, in seconds; default 5; 0.001 to 365 days.</summary>
    public double GraceSeconds { get; set; } = PolicyDefaults.MinDataRateGraceSeconds;
}
