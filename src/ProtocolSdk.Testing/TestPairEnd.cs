using System;
using System.Threading.Tasks;
using ProtocolSdk.Sockets;

namespace ProtocolSdk.Testing;

/// <summary>
/// One end of a <see cref="TestConnectionPair"/>: a protocol on the same transport code as a real socket (TLS,
/// STARTTLS, the close path, wire-byte counts), over memory. Its callbacks run on thread-pool threads, as on a socket.
/// </summary>
public sealed class TestPairEnd
{
    private readonly SocketTransport _transport;

    internal TestPairEnd(SocketTransport transport, Protocol protocol, Task run)
    {
        _transport = transport;
        Protocol = protocol;
        Made = transport.Established;
        Closed = ReasonAfter(run, transport);
    }

    /// <summary>The transport this end's protocol sees.</summary>
    public Transport Transport => _transport;

    /// <summary>The protocol running at this end.</summary>
    public Protocol Protocol { get; }

    /// <summary>
    /// Completes once <see cref="ProtocolSdk.Protocol.ConnectionMade"/> ran (after the TLS handshake, if any). Faults when
    /// admission refused the connection (<see cref="System.IO.IOException"/>), when the handshake failed, or with
    /// <see cref="TimeoutException"/> when it passed <see cref="ProtocolServerOptions.TlsHandshakeTimeout"/> on the fake clock.
    /// </summary>
    public Task Made { get; }

    /// <summary>
    /// Completes with the reason once the connection ended at this end: <see cref="ProtocolSdk.Protocol.ConnectionLost"/>
    /// ran (exactly once) if it was made; a failed handshake or a rejection ends it with no callback at all.
    /// </summary>
    public Task<DisconnectReason> Closed { get; }

    /// <summary>Bytes this end received from the network: ciphertext over TLS (what <c>[Throttle]</c> and <c>[MinDataRate]</c> measure).</summary>
    public long WireBytesReceived => _transport.WireBytesReceived;

    /// <summary>Bytes this end sent to the network: ciphertext over TLS.</summary>
    public long WireBytesSent => _transport.WireBytesSent;

    internal void Abort(DisconnectReason reason) => _transport.Abort(reason);

    private static async Task<DisconnectReason> ReasonAfter(Task run, SocketTransport transport)
    {
        await run.ConfigureAwait(false);
        return transport.Reason;
    }
}
