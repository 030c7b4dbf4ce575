using System;
using System.Threading.Tasks;
using ProtocolSdk.Internal;

namespace ProtocolSdk.Sockets.Tls;

/// <summary>
/// The TLS engine under one connection's transport: ciphertext on the connection's medium below, plaintext for the
/// transport above. The transport's receive loop is the only reader and its send loop the only writer (the handshake
/// runs before either uses the layer), as <see cref="System.Net.Security.SslStream"/> requires. Two engines:
/// <see cref="OpenSslLayer"/> (the SDK's own, over libssl, for a server's connections on Linux) and
/// <see cref="SslStreamLayer"/> (everything else).
/// </summary>
internal abstract class TlsLayer : IDisposable
{
    /// <summary>The engine for one handshake: the SDK's own where it can do exactly what <see cref="System.Net.Security.SslStream"/> would.</summary>
    public static TlsLayer Create(TlsStart start, ConnectionMedium medium, SocketTransport transport)
    {
        if (start.Server is { } server && OpenSslContext.For(server) is { } context) return new OpenSslLayer(context, medium, transport);
        return new SslStreamLayer(medium, transport);
    }

    /// <summary>Runs the handshake; throws when it fails (the connection is then closed by the caller).</summary>
    public abstract Task AuthenticateAsync(TlsStart start);

    /// <summary>Reads plaintext (0 at the end of the stream); an empty buffer only waits until input is there.</summary>
    public abstract ValueTask<int> ReadAsync(Memory<byte> buffer);

    /// <summary>Encrypts and sends all of <paramref name="plaintext"/>.</summary>
    public abstract ValueTask WriteAsync(ReadOnlyMemory<byte> plaintext);

    /// <summary>
    /// Whether <see cref="TryWriteNow"/> works: the engine can encrypt and send on the writer's thread without waiting
    /// (OpenSSL's calls never wait; SslStream allows one writer, so its writes all go through the send loop).
    /// </summary>
    public virtual bool WritesInline => false;

    /// <summary>
    /// Encrypts and sends <paramref name="plaintext"/>, or its first part, without waiting (only where
    /// <see cref="WritesInline"/>): how many bytes it took (ciphertext the kernel refused then waits for
    /// <see cref="FlushAsync"/>), or 0 when earlier ciphertext still waits. The caller buffers the rest for the send loop.
    /// </summary>
    public virtual int TryWriteNow(ReadOnlySpan<byte> plaintext) => 0;

    /// <summary>
    /// Whether the engine charges a write throttle for its record overhead itself (exactly, as it encrypts); else the
    /// send loop charges what went out beyond the plaintext.
    /// </summary>
    public virtual bool ChargesWriteOverhead => false;

    /// <summary>Ciphertext a read produced (a TLS 1.3 key update, an alert) that the kernel did not take yet: the send loop sends it.</summary>
    public virtual bool HasOutputToFlush => false;

    /// <summary>Sends what <see cref="HasOutputToFlush"/> reports (send loop only).</summary>
    public virtual ValueTask FlushAsync() => default;

    /// <summary>Sends close_notify (send loop only).</summary>
    public abstract Task ShutdownAsync();

    /// <summary>What the completed handshake negotiated.</summary>
    public abstract TlsConnectionInfo GetConnectionInfo();

    public abstract void Dispose();
}
