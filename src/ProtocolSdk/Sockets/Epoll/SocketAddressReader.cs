using System;
using System.Buffers.Binary;
using System.Net;

namespace ProtocolSdk.Sockets.Epoll;

/// <summary>
/// Reads a <c>struct sockaddr_in</c> / <c>sockaddr_in6</c> as <c>accept4</c> and <c>getsockname</c> fill it. An IPv4
/// address (also one mapped into IPv6, as a dual-mode listener reports it) is read into two integers, so a connection
/// keeps no endpoint object until someone asks for it.
/// </summary>
internal static unsafe class SocketAddressReader
{
    /// <summary>The IPv4 address (in network order, as <see cref="IPAddress(long)"/> takes it) and port, when it is one.</summary>
    public static bool TryReadIPv4(byte* address, out uint ipv4, out ushort port)
    {
        ushort family = *(ushort*)address;
        port = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(address + 2, 2)); // network order
        if (family == LibC.AF_INET)
        {
            ipv4 = *(uint*)(address + 4);
            return true;
        }
        if (family == LibC.AF_INET6)
        {
            // ::ffff:a.b.c.d: ten zero bytes, two 0xff bytes, then the IPv4 address.
            var bytes = new ReadOnlySpan<byte>(address + 8, 16);
            if (bytes[..10].IndexOfAnyExcept((byte)0) < 0 && bytes[10] == 0xff && bytes[11] == 0xff)
            {
                ipv4 = *(uint*)(address + 20);
                return true;
            }
        }
        ipv4 = 0;
        return false;
    }

    /// <summary>The endpoint of an address (IPv4-mapped IPv6 addresses as IPv4); null for a family other than IP.</summary>
    public static IPEndPoint? ToEndPoint(byte* address)
    {
        if (TryReadIPv4(address, out uint ipv4, out ushort port)) return new IPEndPoint(new IPAddress(ipv4), port);
        if (*(ushort*)address != LibC.AF_INET6) return null;
        uint scope = *(uint*)(address + 24);
        return new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(address + 8, 16), scope), port);
    }
}
