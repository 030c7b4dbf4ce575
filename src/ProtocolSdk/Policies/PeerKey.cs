using System;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace ProtocolSdk.Policies;

/// <summary>
/// A remote peer's identity for per-peer policies: an IPv4 address (IPv4-mapped IPv6 addresses count as their
/// IPv4 address) or an IPv6 address, optionally truncated to a prefix so a /64 counts as one peer.
/// A value type, built without allocating.
/// </summary>
public readonly record struct PeerKey(ulong High, ulong Low, bool IsIPv6)
{
    /// <summary>The key for <paramref name="address"/>; <paramref name="ipv6PrefixLength"/> 0 keeps the full IPv6 address.</summary>
    public static PeerKey Of(IPAddress address, int ipv6PrefixLength)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (ipv6PrefixLength is < 0 or > 128) throw new ArgumentOutOfRangeException(nameof(ipv6PrefixLength), ipv6PrefixLength, "Must be 0..128.");
        if (address.AddressFamily == AddressFamily.InterNetwork || address.IsIPv4MappedToIPv6)
        {
            Span<byte> v4 = stackalloc byte[16];
            if (address.IsIPv4MappedToIPv6)
            {
                address.TryWriteBytes(v4, out _);
                return new PeerKey(0, BinaryPrimitives.ReadUInt32BigEndian(v4[12..]), false);
            }
            address.TryWriteBytes(v4, out _);
            return new PeerKey(0, BinaryPrimitives.ReadUInt32BigEndian(v4), false);
        }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        ulong high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        ulong low = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        if (ipv6PrefixLength is > 0 and < 128)
        {
            if (ipv6PrefixLength <= 64)
            {
                high &= ipv6PrefixLength == 64 ? ulong.MaxValue : ~(ulong.MaxValue >> ipv6PrefixLength);
                low = 0;
            }
            else
            {
                low &= ~(ulong.MaxValue >> (ipv6PrefixLength - 64));
            }
        }
        return new PeerKey(high, low, true);
    }

    /// <summary>How a peer is named in a cluster store: <c>peer:10.0.0.7</c>, or <c>peer:2001:db8::/64</c> for an IPv6 prefix.</summary>
    internal static string StoreKey(PeerKey peer, int ipv6PrefixLength) =>
        peer.IsIPv6 && ipv6PrefixLength is > 0 and < 128
            ? "peer:" + peer.ToString() + "/" + ipv6PrefixLength.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : "peer:" + peer.ToString();

    /// <inheritdoc />
    public override string ToString()
    {
        if (!IsIPv6) return new IPAddress(BinaryPrimitives.ReverseEndianness((uint)Low)).ToString();
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, High);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], Low);
        return new IPAddress(bytes).ToString();
    }
}
