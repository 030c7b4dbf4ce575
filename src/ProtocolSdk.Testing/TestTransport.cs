using System;
using System.Buffers;
using System.Net;
using System.Threading.Tasks;
using ProtocolSdk.Internal;

namespace ProtocolSdk.Testing;

/// <summary>
/// An in-memory transport: records what the protocol wrote, lets the test play the peer (send data, stop reading,
/// close, reset) and reports pause state. Everything runs synchronously on the test's thread (or the fake clock's
/// timer callbacks), so tests are deterministic.
/// </summary>
public sealed class TestTransport : Transport
{
    private readonly IPEndPoint _remote;
    private readonly IPEndPoint _local;
    private readonly ArrayBufferWriter<byte> _written = new();
    private readonly ArrayBufferWriter<byte> _unread = new();
    private int _unreadOffset;
    private bool _delivering;
    private long _peerWindow = long.MaxValue;
    private bool _draining;
    private bool _mediumClosed;
    private bool _finishPending;
    private bool _endOfStreamDelivered;

    internal TestTransport(ConnectionHost host, IPEndPoint remote, IPEndPoint local)
        : base(host)
    {
        _remote = remote;
        _local = local;
    }

    /// <inheritdoc />
    public override IPEndPoint RemoteEndPoint => _remote;

    /// <inheritdoc />
    public override IPEndPoint LocalEndPoint => _local;

    /// <summary>Everything that reached the peer so far.</summary>
    public ReadOnlySpan<byte> Written => _written.WrittenSpan;

    /// <summary>True once the medium was closed (gracefully or not).</summary>
    public bool IsMediumClosed => _mediumClosed;

    /// <summary>True when the medium was closed with a reset (Abort, error, timeout).</summary>
    public bool WasAborted { get; private set; }

    /// <summary>True once our side sent FIN (a graceful close flushed everything): the peer reads end of stream.</summary>
    public bool PeerReceivedEndOfStream { get; private set; }

    /// <summary>
    /// Whether the simulated peer closes as soon as it reads our end of stream, as a well-behaved client does (default
    /// true). Set false to keep the peer open after our FIN: a graceful close then lingers, discarding what the peer
    /// sends, until <see cref="PeerClose"/>, <see cref="PeerReset"/> or the linger deadline on the fake clock.
    /// </summary>
    public bool PeerClosesOnEndOfStream { get; set; } = true;

    /// <summary>True once the peer shut down its sending side (<see cref="PeerShutdownSend"/> or <see cref="PeerClose"/>).</summary>
    public bool PeerFinishedSending { get; private set; }

    /// <summary>Whether admission let the connection in.</summary>
    public bool WasRejected { get; private set; }

    /// <summary>Times <see cref="Protocol.ConnectionLost"/> ran (must end up exactly 1 for an admitted connection).</summary>
    public int ConnectionLostCount { get; private set; }

    /// <summary>The reason passed to ConnectionLost, once it ran.</summary>
    public DisconnectReason? LostReason { get; private set; }

    internal void Start(Protocol protocol)
    {
        // Synchronous unless a ClusterWide policy's store answers later (then the connection opens when it does).
        var open = OpenAsync(protocol);
        if (open.IsCompleted) Started(open.Result);
        else _ = StartWhenAdmittedAsync(open);
    }

    private async Task StartWhenAdmittedAsync(ValueTask<bool> open) => Started(await open.ConfigureAwait(false));

    private void Started(bool opened)
    {
        if (!opened) WasRejected = true;
        FinishIfClosed();
    }

    /// <summary>Clears the record of written bytes and returns what it held.</summary>
    public byte[] TakeWritten()
    {
        var bytes = _written.WrittenSpan.ToArray();
        _written.Clear();
        return bytes;
    }

    /// <summary>
    /// Simulates received bytes that wait for the server to read them (the server's side is late, e.g. a starved
    /// thread pool). Policies that judge the peer's speed, like <c>[MinDataRate]</c>, must not count such time.
    /// </summary>
    public int SimulatedUnreadBytes { get; set; }

    internal override int PendingInboundBytes => SimulatedUnreadBytes;

    /// <summary>Forgets what was written without allocating (keeps the record's capacity).</summary>
    public void ClearWritten() => _written.ResetWrittenCount();

    /// <summary>
    /// The peer sends <paramref name="data"/>. As on a socket, the bytes wait in the "kernel" while reading is paused
    /// and are delivered in reads no larger than the transport's current read size (a read throttle lowers it), so
    /// <see cref="Protocol.DataReceived"/> may see them in several chunks, possibly later (after a resume).
    /// </summary>
    public void PeerSend(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return;
        if (_mediumClosed) return; // a closed socket takes nothing
        if (PeerFinishedSending) return; // nothing follows a FIN
        if (_unread.WrittenCount == 0 && ShouldTakeInput && data.Length <= ReadSizeLimit && !InCallback)
        {
            Deliver(data); // the common case: one read takes it all, no copy
            FinishIfClosed();
            return;
        }
        data.CopyTo(_unread.GetSpan(data.Length));
        _unread.Advance(data.Length);
        DeliverUnread();
    }

    /// <summary>Bytes the peer sent that the protocol has not read yet (reading paused, or reads limited in size).</summary>
    public int UnreadBytes => _unread.WrittenCount - _unreadOffset;

    /// <summary>The largest read the transport would make now (lowered by a read throttle).</summary>
    public int CurrentReadSize => ReadSizeLimit;

    private void DeliverUnread()
    {
        if (_delivering) return;
        _delivering = true;
        try
        {
            while (UnreadBytes > 0 && ShouldTakeInput && !_mediumClosed && !InCallback && !InSendLock)
            {
                int n = Math.Min(UnreadBytes, ReadSizeLimit);
                var chunk = _unread.WrittenSpan.Slice(_unreadOffset, n);
                _unreadOffset += n;
                Deliver(chunk);
            }
            if (UnreadBytes == 0 && _unread.WrittenCount > 0)
            {
                _unread.ResetWrittenCount();
                _unreadOffset = 0;
            }
        }
        finally
        {
            _delivering = false;
        }
        FinishIfClosed();
        if (UnreadBytes == 0 && PeerFinishedSending && !InCallback && !InSendLock) DeliverEndOfStream();
    }

    /// <summary>
    /// Limits how many more bytes the peer accepts (0 = it stopped reading); null = unlimited. Raising it drains
    /// buffered output up to the new window.
    /// </summary>
    public void SetPeerReceiveWindow(long? bytes)
    {
        _peerWindow = bytes ?? long.MaxValue;
        WakeOutput();
        FinishIfClosed();
        if (UnreadBytes > 0) DeliverUnread();
    }

    /// <summary>
    /// The peer shuts down its sending side (TCP FIN, a half-close): bytes it sent before are still read first, then the
    /// protocol's <see cref="Protocol.ReadConnectionLost"/> runs (by default it closes; an override may keep writing).
    /// During a graceful close it completes the close.
    /// </summary>
    public void PeerShutdownSend()
    {
        if (PeerFinishedSending) return;
        PeerFinishedSending = true;
        if (UnreadBytes > 0) DeliverUnread(); // as on a socket, the end of stream is seen after the bytes before it
        if (UnreadBytes == 0) DeliverEndOfStream();
    }

    private void DeliverEndOfStream()
    {
        if (_endOfStreamDelivered || _mediumClosed) return;
        _endOfStreamDelivered = true;
        OnPeerClosed();
        FinishIfClosed();
    }

    /// <summary>The peer closes its side cleanly (sends FIN); the same as <see cref="PeerShutdownSend"/>.</summary>
    public void PeerClose() => PeerShutdownSend();

    /// <summary>The connection is reset by the peer.</summary>
    public void PeerReset()
    {
        OnMediumError(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionReset));
        FinishIfClosed();
    }

    private protected override int SendNow(ReadOnlySpan<byte> data)
    {
        if (_mediumClosed) return -1;
        int n = (int)Math.Min(data.Length, _peerWindow);
        if (n <= 0) return 0;
        data[..n].CopyTo(_written.GetSpan(n));
        _written.Advance(n);
        if (_peerWindow != long.MaxValue) _peerWindow -= n;
        return n;
    }

    private protected override void OnOutputPending()
    {
        if (_draining) return; // the drain loop below picks it up
        _draining = true;
        try
        {
            while (!_mediumClosed)
            {
                var chunk = TryPeekOutput();
                if (chunk.IsEmpty) break;
                int sent = SendNow(chunk.Span);
                if (sent < 0) break;
                CompleteOutput(sent, chunk.Length);
                if (sent == 0) break; // the peer's window is full
            }
        }
        finally
        {
            _draining = false;
        }
    }

    private protected override void OnReadingResumed()
    {
        // Deliver what waited, unless we are inside a callback or the send lock: then AfterCallback or the
        // test's next operation does it, so DataReceived never runs nested in another callback.
        if (!InCallback && !InSendLock) DeliverUnread();
    }

    private protected override void ShutdownOutputMedium()
    {
        PeerReceivedEndOfStream = true;
        if (PeerClosesOnEndOfStream) PeerShutdownSend();
    }

    private protected override void CloseMedium(bool abort)
    {
        if (_mediumClosed) return;
        _mediumClosed = true;
        WasAborted = abort;
        _finishPending = true;
        if (!InCallback) FinishIfClosed();
    }

    private protected override void AfterCallback()
    {
        FinishIfClosed();
        if (UnreadBytes > 0) DeliverUnread();
    }

    private void FinishIfClosed()
    {
        if (!_finishPending || InCallback) return;
        _finishPending = false;
        if (WasRejected) return;
        Finish();
        ConnectionLostCount++;
        LostReason = Reason;
    }
}
