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
