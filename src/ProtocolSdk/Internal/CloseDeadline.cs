using ProtocolSdk.Timers;

namespace ProtocolSdk.Internal;

/// <summary>
/// The deadline of one connection's graceful close (flush, FIN, linger): created by the first close, so connections
/// that end by the peer never allocate one.
/// </summary>
internal sealed class CloseDeadline : TimerEntry
{
    private readonly Transport _transport;

    public CloseDeadline(Transport transport) => _transport = transport;

    internal override void Fire() => _transport.OnCloseDeadline();
}
