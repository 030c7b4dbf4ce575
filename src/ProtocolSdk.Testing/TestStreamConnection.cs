using System;
using System.IO;

namespace ProtocolSdk.Testing;

/// <summary>
/// A server protocol joined over memory to a peer the test drives as a raw byte stream, made by
/// <see cref="ProtocolTestHost.ConnectStream"/>: wrap <see cref="Peer"/> in an <see cref="System.Net.Security.SslStream"/>
/// to be a TLS client that writes one record per write, trickle a handshake, or send plaintext to a TLS end.
/// </summary>
public sealed class TestStreamConnection : IDisposable
{
    internal TestStreamConnection(TestPairEnd server, Stream peer)
    {
        Server = server;
        Peer = peer;
    }

    /// <summary>The protocol's end (the real transport, over memory).</summary>
    public TestPairEnd Server { get; }

    /// <summary>
    /// The peer's end of the connection: what it writes the server end reads, what the server end sends it reads (0 at
    /// end of stream). Asynchronous reads and writes only. Disposing it closes the peer's end (FIN, or a reset when input
    /// is left unread, as a socket does).
    /// </summary>
    public Stream Peer { get; }

    /// <summary>Closes the peer's end and aborts the server end (reason <see cref="DisconnectKind.ServerShutdown"/>).</summary>
    public void Dispose()
    {
        Peer.Dispose();
        Server.Abort(DisconnectReason.ServerShutdown);
    }
}
