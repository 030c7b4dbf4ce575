using ProtocolSdk.Timers;

namespace ProtocolSdk.Sockets;

/// <summary>The absolute deadline of one TLS handshake, on the host's timer wheel (and so on its TimeProvider).</summary>
internal sealed class TlsHandshakeDeadline : TimerEntry
{
    private readonly SocketTransport _transport;

    public TlsHandshakeDeadline(SocketTransport transport) => _transport = transport;

    internal override void Fire() => _transport.OnTlsHandshakeDeadline();
}
