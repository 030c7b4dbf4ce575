using System;

namespace ProtocolSdk;

/// <summary>
/// CIDR allow and deny lists checked before any other work on a new connection (Netty's IpFilter). A peer is
/// accepted when it matches no <see cref="Deny"/> entry and, if <see cref="Allow"/> is not empty, at least one
/// <see cref="Allow"/> entry. IPv4-mapped IPv6 peers are checked as IPv4. Invalid CIDR text is a compile-time error (PSDK012).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class PeerFilterAttribute : Attribute
{
    /// <summary>Networks allowed to connect, e.g. <c>"127.0.0.0/8"</c>, <c>"::1/128"</c>; empty means everyone not denied.</summary>
    public string[] Allow { get; set; } = Array.Empty<string>();

    /// <summary>Networks refused; deny wins over allow.</summary>
    public string[] Deny { get; set; } = Array.Empty<string>();
}
