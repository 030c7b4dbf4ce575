using System;
using System.Net.Security;
using System.Threading;
using System.Threading.Tasks;
using ProtocolSdk.Internal;

namespace ProtocolSdk.Sockets.Tls;

/// <summary>
/// TLS through the runtime's <see cref="SslStream"/> over a <see cref="SocketStream"/> on the connection's medium: every
/// client, and a server whose options need the runtime's certificate handling (see <see cref="OpenSslContext"/>), or
/// any server off Linux.
/// </summary>
internal sealed class SslStreamLayer : TlsLayer
{
    private readonly SslStream _ssl;

    public SslStreamLayer(ConnectionMedium medium, SocketTransport transport) =>
        _ssl = new SslStream(new SocketStream(medium, transport), leaveInnerStreamOpen: true);

    public override async Task AuthenticateAsync(TlsStart start)
    {
        if (start.Server is { } server) await _ssl.AuthenticateAsServerAsync(server, CancellationToken.None).ConfigureAwait(false);
        else await _ssl.AuthenticateAsClientAsync(start.Client!, CancellationToken.None).ConfigureAwait(false);
        await ReleaseHandshakeBufferAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// SslStream keeps the 8 KiB buffer it read the handshake into until its first read completes, so a connection that
    /// goes idle right after the handshake would hold it indefinitely (measured: one live byte[8192] per idle TLS
    /// connection). A read that is cancelled before it starts returns that buffer when it holds no data; buffered
    /// application data (sent with the client's Finished) stays for the receive loop.
    /// </summary>
    private async Task ReleaseHandshakeBufferAsync()
    {
        try
        {
            await _ssl.ReadAsync(Memory<byte>.Empty, new CancellationToken(canceled: true)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected: nothing was read, and the stream stays usable.
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer) => _ssl.ReadAsync(buffer);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> plaintext) => _ssl.WriteAsync(plaintext);

    public override Task ShutdownAsync() => _ssl.ShutdownAsync();

    public override TlsConnectionInfo GetConnectionInfo() => new(_ssl);

    public override void Dispose() => _ssl.Dispose();
}
