using System;
using System.Buffers;

namespace ProtocolSdk.Framing;

/// <summary>
/// Writes a header and a body as ONE <see cref="Transport.Write"/>, so a message cannot be split by another
/// thread writing to the same transport in between (a broadcast, a tick loop). Small messages are assembled on the
/// stack, larger ones in a pooled buffer: no allocation either way.
/// </summary>
internal static class FramedWrite
{
    private const int StackLimit = 1024;

    public static void Write(Transport transport, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        int length = first.Length + second.Length;
        if (length <= StackLimit)
        {
            Span<byte> message = stackalloc byte[StackLimit];
            first.CopyTo(message);
            second.CopyTo(message[first.Length..]);
            transport.Write(message[..length]);
            return;
        }
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            first.CopyTo(rented);
            second.CopyTo(rented.AsSpan(first.Length));
            transport.Write(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
