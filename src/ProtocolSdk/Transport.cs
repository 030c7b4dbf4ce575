using System;
using System.Net;
using System.Net.Security;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using ProtocolSdk.Framing;
using ProtocolSdk.Internal;
using ProtocolSdk.Policies;
using ProtocolSdk.Timers;

namespace ProtocolSdk;

/// <summary>
/// One connection as its protocol sees it: write bytes, close, pause reading, register a producer.
/// <see cref="Write"/>, <see cref="LoseConnection"/> and <see cref="Abort()"/> are safe from any thread.
/// </summary>
/// <remarks>
/// This base class holds everything that does not depend on the medium (connection lifecycle, serialised
/// callbacks, output buffering with high/low-water marks, write throttling), so the socket transport and the
/// in-memory test transport run the same policy code. A subclass supplies only the medium: a non-blocking send,
/// a way to drain buffered output, and closing.
/// </remarks>
public abstract class Transport
{
    /// <summary>Default buffered-output size above which the producer (or reading) is paused: 64 KiB.</summary>
    public const int DefaultHighWaterMark = 64 * 1024;

    /// <summary>Default buffered-output size below which a paused producer (or reading) resumes: 16 KiB.</summary>
    public const int DefaultLowWaterMark = 16 * 1024;

    // Open -> Closing (graceful: flushing, then after our FIN lingering) -> Closed (the medium is being closed).
    private const int StateOpen = 0, StateClosing = 1, StateClosed = 2;

    private readonly object _callbackLock; // a private object of the subclass's when it has one: one object less per connection
    private readonly OutputBuffer _output = new();
    private readonly ConnectionHost _host;
    private Protocol? _protocol;
    private Protocol? _admittedBy;
    private Protocol? _servedBy;      // admitted (the overflow protocol when overflowing), not yet connected: TLS handshake
    private TlsConnectionInfo? _tls;
    private int _tlsFailed;
    private int _tlsStarted;          // StartTls was called (or the connection began with TLS): only once per connection
    private IPushProducer? _producer;
    private bool _producerPaused;     // what the producer was last told (only the notifier changes it)
    private int _producerNotifier;    // id of the thread delivering Pause/ResumeProducing (outside the send lock), or 0
    private WriteThrottle? _writeThrottle;
    private CloseDeadline? _closeDeadline; // created by the first graceful close: most connections end by the peer
    private IReadResumeListener? _readResumeListener;
    private int _state;
    private int _readPause;
    private bool _writePaused;
    private int _finished;
    private bool _closeRequested;
    private bool _peerFinished;       // the peer's end of stream (FIN) arrived
    private bool _outputShutdown;     // our FIN was sent: everything written was handed to the network
    private bool _outputLeased;       // the medium is sending a chunk it peeked: its block must stay alive
    private bool _clearOutputOnReturn; // Finish ran while a chunk was leased: free the blocks when it comes back
    private bool _admitted;
    private DisconnectReason _reason;
    private bool _reasonSet;
    private long _bytesRead;
    private long _bytesWritten;
    private long _bytesDiscarded;
    private long _eventTime; // the clock for the chunk being delivered: 0 outside a delivery, -1 not read yet (PolicyNow)

    /// <param name="host">what the connections of one server (or client, or test host) share.</param>
    /// <param name="callbackLock">
    /// the object that serialises the protocol's callbacks: one the subclass owns and never exposes (nor locks for
    /// anything else), or null for a new one.
    /// </param>
    private protected Transport(ConnectionHost host, object? callbackLock = null)
    {
        _host = host;
        _callbackLock = callbackLock ?? new object();
    }

    /// <summary>Guards the output buffer and the write path: the output buffer itself (private, never exposed).</summary>
    private object SendLock => _output;

    /// <summary>The remote end of the connection.</summary>
    public abstract IPEndPoint RemoteEndPoint { get; }

    /// <summary>The local end of the connection.</summary>
    public abstract IPEndPoint LocalEndPoint { get; }

    /// <summary>Buffered output size above which the producer (or, with no producer, reading) is paused.</summary>
    public int HighWaterMark => _host.HighWaterMark;

    /// <summary>Buffered output size at or below which it is resumed.</summary>
    public int LowWaterMark => _host.LowWaterMark;

    /// <summary>Bytes written but not yet handed to the network.</summary>
    public long BufferedBytes
    {
        get { lock (SendLock) return _output.Length; }
    }

    /// <summary>Total bytes received on this connection.</summary>
    public long BytesReceived => Volatile.Read(ref _bytesRead);

    /// <summary>Total bytes handed to the network on this connection.</summary>
    public long BytesSent => Volatile.Read(ref _bytesWritten);

    /// <summary>True when reading is paused for any reason (by the protocol, backpressure or a read throttle).</summary>
    public bool IsReadingPaused => Volatile.Read(ref _readPause) != 0;

    /// <summary>Bytes received while closing and thrown away unread (not protocol data: no <see cref="Protocol.DataReceived"/>).</summary>
    public long BytesDiscarded => Volatile.Read(ref _bytesDiscarded);

    /// <summary>True once the peer finished sending (end of stream); see <see cref="Protocol.ReadConnectionLost"/>.</summary>
    public bool IsPeerFinished
    {
        get { lock (SendLock) return _peerFinished; }
    }

    /// <summary>True once the connection is closing or closed: writes are still sent while a graceful close flushes, and ignored once its FIN went out or the connection closed.</summary>
    public bool IsClosing => Volatile.Read(ref _state) != StateOpen;

    /// <summary>The clock this connection's policies use.</summary>
    public TimeProvider TimeProvider => _host.Timers.TimeProvider;

    internal TimerWheel Timers => _host.Timers;

    internal ILogger Logger => _host.Logger;

    internal ConnectionHost Host => _host;

    /// <summary>
    /// The time for policy bookkeeping (throttle buckets, idle-timeout resets), as a timestamp of the connection's
    /// clock. During the delivery of a received chunk it is read once and shared by every policy that asks, in the
    /// receive hooks and in writes made from the callback (a 64-byte echo with all policies on asked four times, and one
    /// clock read costs about 30 ns on a VM); elsewhere it is read on each call. A write from another thread during a
    /// delivery may get the delivery's time: at most as old as the callback has run, and callbacks are short.
    /// </summary>
    internal long PolicyNow()
    {
        long cached = Volatile.Read(ref _eventTime);
        if (cached > 0) return cached;
        long now = _host.Timers.Now;
        // Only a delivery in progress (-1) keeps it: the compare-exchange fails once that delivery ended (0).
        if (cached < 0) Interlocked.CompareExchange(ref _eventTime, now, -1);
        return now;
    }

    internal Protocol? CurrentProtocol => _protocol;

    /// <summary>The TLS session of this connection once its handshake completed; null while plaintext (and during the handshake).</summary>
    public TlsConnectionInfo? Tls => Volatile.Read(ref _tls);

    /// <summary>True once <see cref="StartTls(SslServerAuthenticationOptions)"/> (or its client overload) was called: framers stop delivering the rest of the chunk.</summary>
    internal bool IsTlsStarting => Volatile.Read(ref _tlsStarted) != 0 && Volatile.Read(ref _tls) is null;

    /// <summary>
    /// STARTTLS, server side: everything written before this call goes out in plaintext first, everything written after
    /// it is encrypted; input received after the command that was not yet delivered is discarded (a framer stops
    /// delivering the rest of the chunk), so plaintext injected by a man in the middle is never taken as if it came over
    /// TLS. <see cref="Protocol.TlsHandshakeCompleted"/> runs when the handshake is done; a failed handshake closes the
    /// connection. Call it from a callback of this connection (typically on the STARTTLS command).
    /// </summary>
    /// <exception cref="InvalidOperationException">TLS was already started on this connection.</exception>
    /// <exception cref="NotSupportedException">This transport has no TLS (the in-memory test transport).</exception>
    public void StartTls(SslServerAuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        BeginStartTls(TlsStart.ForServer(options));
    }

    /// <summary>STARTTLS, client side: as <see cref="StartTls(SslServerAuthenticationOptions)"/>, as the TLS client.</summary>
    /// <exception cref="InvalidOperationException">TLS was already started on this connection.</exception>
    /// <exception cref="NotSupportedException">This transport has no TLS (the in-memory test transport).</exception>
    public void StartTls(SslClientAuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        BeginStartTls(TlsStart.ForClient(options));
    }

    private void BeginStartTls(TlsStart start)
    {
        if (!SupportsTls) throw new NotSupportedException("This transport cannot run TLS.");
        if (Interlocked.Exchange(ref _tlsStarted, 1) != 0) throw new InvalidOperationException("TLS was already started on this connection.");
        lock (SendLock)
        {
            // Everything queued until now is plaintext; what is written from here on waits for the handshake.
            OnStartTls(start, _output.Length);
        }
    }

    /// <summary>Marks a connection that speaks TLS from its first byte (a TLS listener or client).</summary>
    private protected void MarkTlsFromStart() => Volatile.Write(ref _tlsStarted, 1);

    /// <summary>The handshake completed: publish the session; a STARTTLS upgrade then runs <see cref="Protocol.TlsHandshakeCompleted"/>.</summary>
    private protected void OnTlsEstablished(TlsConnectionInfo info, bool notifyProtocol)
    {
        Volatile.Write(ref _tls, info);
        if (!notifyProtocol) return;
        lock (_callbackLock)
        {
            var protocol = _protocol;
            if (protocol is not null && Volatile.Read(ref _state) == StateOpen)
            {
                try
                {
                    protocol.TlsHandshakeCompleted();
                }
                catch (Exception ex)
                {
                    FailCallback(protocol, ex, nameof(Protocol.TlsHandshakeCompleted));
                }
            }
        }
        AfterCallback();
    }

    /// <summary>
    /// A TLS handshake failed or passed its deadline: close at once with <paramref name="reason"/>, count it and log it
    /// (rate-limited, once per connection). A connection whose first handshake failed never reaches ConnectionMade.
    /// </summary>
    private protected void OnTlsHandshakeFailed(DisconnectReason reason, bool timedOut)
    {
        // The deadline closes the socket, which then fails the handshake too: only the first report counts.
        if (Interlocked.Exchange(ref _tlsFailed, 1) != 0) return;
        lock (SendLock)
        {
            _reasonSet = false; // the handshake's failure is the true reason, not the socket error it caused
            SetReason(reason);
            _state = StateClosed;
        }
        _host.Metrics.TlsHandshakeFailed(timedOut ? "timeout" : "error");
        var protocol = _protocol ?? _servedBy;
        if (protocol is not null) _host.PolicyLog.TlsHandshakeFailed(RemoteEndPoint, protocol, reason.Message ?? reason.ToString());
        RequestClose(abort: true);
    }

    /// <summary>True once a handshake failure was reported (the connection is closing because of it).</summary>
    private protected bool TlsFailed => Volatile.Read(ref _tlsFailed) != 0;

    /// <summary>Received bytes waiting in the medium that the receive loop has not read yet (our side is behind).</summary>
    internal virtual int PendingInboundBytes => 0;

    /// <summary>
    /// Bytes the network carried in: the same as <see cref="BytesReceived"/> on plaintext; over TLS the ciphertext
    /// (records, handshakes, alerts). What <c>[Throttle]</c> and <c>[MinDataRate]</c> measure.
    /// </summary>
    internal virtual long WireBytesReceived => BytesReceived;

    /// <summary>Bytes the network carried out: <see cref="BytesSent"/> on plaintext, the ciphertext over TLS.</summary>
    internal virtual long WireBytesSent => BytesSent;

    /// <summary>
    /// Charges a write throttle for wire bytes beyond the plaintext it granted (TLS record overhead), so the
    /// throttle limits what the network carries; the next sends wait while the budget is in debt.
    /// </summary>
    private protected void ChargeWriteOverhead(long bytes)
    {
        if (bytes > 0) Volatile.Read(ref _writeThrottle)?.Charge(bytes);
    }

    /// <summary>Largest receive the medium should ask for (a read throttle lowers it to its budget).</summary>
    internal int ReadSizeLimit { get; set; } = int.MaxValue;

    // ---- Public operations --------------------------------------------------------------------------

    /// <summary>
    /// Sends <paramref name="data"/>. Never blocks and never drops: bytes go to the network at once when it
    /// accepts them and are copied into pooled buffers otherwise. Ignored after the connection closed.
    /// </summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty || Volatile.Read(ref _state) == StateClosed) return;
        AfterWrite after;
        lock (SendLock) after = WriteLocked(data);
        if (after == AfterWrite.Nothing) return;
        if ((after & AfterWrite.Overflow) != 0)
        {
            _host.OnOutputOverflow();
            Abort(_host.OutputOverflowReason);
            return;
        }
        if ((after & AfterWrite.NotifyProducer) != 0) NotifyProducer();
        if ((after & AfterWrite.WakeSender) != 0) OnOutputPending();
    }

    [Flags]
    private enum AfterWrite
    {
        Nothing = 0,
        WakeSender = 1,
        NotifyProducer = 2,
        Overflow = 4,
    }

    private AfterWrite WriteLocked(ReadOnlySpan<byte> data)
    {
        if (_state == StateClosed || _outputShutdown) return AfterWrite.Nothing;
        if (_output.Length + data.Length > _host.MaxBufferedBytes) return AfterWrite.Overflow; // refused, so not logged

        // After the state check, under the send lock: traffic logs and OnDataWritten describe only bytes that were
        // accepted for sending, never a write that raced a close.
        _protocol?.InvokeDataWritten(data);
        var after = AfterWrite.Nothing;
        if (!SendsInline)
        {
            // TLS: only the send loop writes (one writer for the TLS session); the bytes wait in the pooled buffer.
            if (_output.IsEmpty && !_outputLeased) after = AfterWrite.WakeSender;
        }
        else if (_output.IsEmpty && !_outputLeased)
        {
            int allowed = _writeThrottle is null ? data.Length : _writeThrottle.Take(data.Length, PolicyNow());
            if (allowed > 0)
            {
                int sent = SendNow(data[..allowed]);
                // Tokens for bytes the kernel did not take go back: the send loop takes them again when it sends those bytes.
                if (_writeThrottle is not null && sent < allowed) _writeThrottle.Refund(allowed - Math.Max(sent, 0));
                if (sent < 0) return AfterWrite.Nothing; // the medium failed; the read side reports the error and closes
                if (sent > 0)
                {
                    _bytesWritten += sent;
                    _host.Metrics.BytesWritten(sent);
                    _protocol?.InvokeDataSent(sent);
                    data = data[sent..];
                }
            }
            if (data.IsEmpty) return HasUnsentInlineOutput ? AfterWrite.WakeSender : AfterWrite.Nothing;
            after = AfterWrite.WakeSender;
        }
        _output.Append(data);
        if (!_writePaused && _output.Length > _host.HighWaterMark)
        {
            _writePaused = true;
            if (_producer is not null) after |= AfterWrite.NotifyProducer;
            else SetReadPause(ReadPauseReason.Backpressure, true);
        }
        return after;
    }

    /// <summary>
    /// Closes gracefully without costing the peer data: stops delivering input, sends everything already written, sends
    /// FIN, then reads and discards input until the peer closes too (or the linger timeout passes), so unread input
    /// never makes the system reset the connection and destroy the reply in flight.
    /// </summary>
    public void LoseConnection() => Close(DisconnectReason.LocalClosed);

    /// <summary>Closes at once, dropping buffered output and unread input; the peer sees a reset.</summary>
    public void Abort() => Abort(DisconnectReason.Aborted);

    /// <summary>Closes at once with the given reason (passed to <see cref="Protocol.ConnectionLost"/>).</summary>
    public void Abort(DisconnectReason reason)
    {
        lock (SendLock)
        {
            if (_state == StateClosed) return;
            if (_state == StateClosing && !_outputShutdown)
            {
                // A graceful close was still flushing: the output it meant to deliver is now dropped, so the
                // abort's reason (timeout, shutdown, ...) is the true one. Once our FIN went out, it was delivered.
                _reasonSet = false;
            }
            _state = StateClosed;
            SetReason(reason);
        }
        RequestClose(abort: true);
    }

    /// <summary>Stops delivering <see cref="Protocol.DataReceived"/> until <see cref="ResumeReading"/>; TCP backpressure reaches the sender.</summary>
    public void PauseReading() => SetReadPause(ReadPauseReason.User, true);

    /// <summary>Resumes reading paused by <see cref="PauseReading"/>. Pauses by backpressure or throttling stay until they clear.</summary>
    public void ResumeReading()
    {
        SetReadPause(ReadPauseReason.User, false);
        _readResumeListener?.ProtocolResumedReading(); // a framer replays the messages it held back at the pause
    }

    /// <summary>True while the protocol itself paused reading (<see cref="PauseReading"/>): framers stop delivering messages then.</summary>
    internal bool IsReadingPausedByProtocol => (Volatile.Read(ref _readPause) & (int)ReadPauseReason.User) != 0;

    /// <summary>Told when the protocol resumes reading (the framer that holds input back); one per connection.</summary>
    internal IReadResumeListener? ReadResumeListener
    {
        set => _readResumeListener = value;
    }

    /// <summary>True while a write throttle holds output back for its budget (our own limit, not the peer's window).</summary>
    internal bool IsWaitingForWriteBudget => _writeThrottle?.IsScheduled == true;

    /// <summary>Registers the producer to pause above the high-water mark instead of pausing reading.</summary>
    public void RegisterProducer(IPushProducer producer)
    {
        ArgumentNullException.ThrowIfNull(producer);
        lock (SendLock)
        {
            if (_producer is not null && !ReferenceEquals(_producer, producer))
            {
                throw new InvalidOperationException("A producer is already registered; unregister it first.");
            }
            if (ReferenceEquals(_producer, producer)) return;
            _producer = producer;
            _producerPaused = false;
            if (_writePaused) SetReadPause(ReadPauseReason.Backpressure, false);
        }
        NotifyProducer();
    }

    /// <summary>Unregisters the producer; backpressure pauses reading again.</summary>
    public void UnregisterProducer()
    {
        lock (SendLock)
        {
            _producer = null;
            _producerPaused = false;
            if (_writePaused) SetReadPause(ReadPauseReason.Backpressure, true);
        }
    }

    /// <summary>
    /// Tells the producer the current backpressure state, outside the send lock, so a producer that takes its own locks
    /// cannot deadlock with a writer. One thread at a time delivers; a change that arrives from another thread meanwhile
    /// is picked up by that thread's loop, so Pause and Resume reach the producer in order and never twice in a row. A
    /// producer that writes from inside ResumeProducing (the usual pattern) is paused right there, on the same thread.
    /// </summary>
    private void NotifyProducer()
    {
        int me = Environment.CurrentManagedThreadId;
        if (Volatile.Read(ref _producerNotifier) == me)
        {
            DeliverProducerState(); // re-entered from the producer's own callback
            return;
        }
        while (Interlocked.CompareExchange(ref _producerNotifier, me, 0) == 0)
        {
            try
            {
                DeliverProducerState();
            }
            finally
            {
                Volatile.Write(ref _producerNotifier, 0);
            }
            lock (SendLock)
            {
                // A change may have landed after the last check and before the flag was cleared: go round again.
                if (_producer is null || _writePaused == _producerPaused) return;
            }
        }
    }

    private void DeliverProducerState()
    {
        while (true)
        {
            IPushProducer? producer;
            bool pause;
            lock (SendLock)
            {
                producer = _producer;
                pause = _writePaused;
                if (producer is null || pause == _producerPaused) return;
                _producerPaused = pause;
            }
            if (pause) producer.PauseProducing();
            else producer.ResumeProducing();
        }
    }

    // ---- Policy plumbing ----------------------------------------------------------------------------

    internal void AttachWriteThrottle(WriteThrottle throttle)
    {
        lock (SendLock) _writeThrottle = throttle;
    }

    internal void SetReadPause(ReadPauseReason reason, bool paused)
    {
        int bit = (int)reason;
        int before, after;
        do
        {
            before = Volatile.Read(ref _readPause);
            after = paused ? before | bit : before & ~bit;
            if (before == after) return;
        }
        while (Interlocked.CompareExchange(ref _readPause, after, before) != before);
        if (after == 0) OnReadingResumed();
    }

    // ---- Medium interface ---------------------------------------------------------------------------

    /// <summary>Tries to hand bytes to the network without blocking: returns how many it took (0 when full, -1 when broken).</summary>
    private protected abstract int SendNow(ReadOnlySpan<byte> data);

    /// <summary>Output was buffered: the medium must drain it (see <see cref="TryPeekOutput"/>).</summary>
    private protected abstract void OnOutputPending();

    /// <summary>False while writes must not go to the medium inline (TLS: the send loop is the only writer).</summary>
    private protected virtual bool SendsInline => true;

    /// <summary>An inline send left bytes below the output buffer (a TLS engine's ciphertext the kernel refused): wake the send loop for them.</summary>
    private protected virtual bool HasUnsentInlineOutput => false;

    /// <summary>True when this medium can run TLS (<see cref="StartTls(SslServerAuthenticationOptions)"/>).</summary>
    private protected virtual bool SupportsTls => false;

    /// <summary>STARTTLS was called (under the send lock): the first <paramref name="plaintextBytes"/> of the queued output are still plaintext.</summary>
    private protected virtual void OnStartTls(TlsStart start, long plaintextBytes) => throw new NotSupportedException("This transport cannot run TLS.");

    /// <summary>Under the send lock, when the send loop peeks output: how much of <paramref name="length"/> bytes it may send now (0: none yet).</summary>
    private protected virtual int LimitOutputChunk(int length) => length;

    /// <summary>Under the send lock, when the send loop completed a peeked chunk with <paramref name="sent"/> bytes.</summary>
    private protected virtual void OnOutputSent(int sent) { }

    /// <summary>Reading was resumed: wake the receive side.</summary>
    private protected abstract void OnReadingResumed();

    /// <summary>Everything written was handed to the medium: send FIN (shut down our sending side), keep the receive side open.</summary>
    private protected abstract void ShutdownOutputMedium();

    /// <summary>Close the medium: with a reset (<paramref name="abort"/>) or plainly (after our FIN, or at the linger deadline).</summary>
    private protected abstract void CloseMedium(bool abort);

    /// <summary>Runs after each serialised callback, outside the callback lock (the test transport finishes deferred closes here).</summary>
    private protected virtual void AfterCallback() { }

    /// <summary>True when the current thread is inside one of this connection's serialised callbacks.</summary>
    private protected bool InCallback => Monitor.IsEntered(_callbackLock);

    /// <summary>True when the current thread holds this connection's send lock.</summary>
    private protected bool InSendLock => Monitor.IsEntered(SendLock);

    /// <summary>
    /// The next run of buffered output the medium may send now (limited by a write throttle). The chunk is leased:
    /// its block stays alive (even if the connection finishes meanwhile) until the medium calls
    /// <see cref="CompleteOutput"/>, which it must do exactly once per non-empty chunk, also when the send failed.
    /// </summary>
    private protected ReadOnlyMemory<byte> TryPeekOutput()
    {
        lock (SendLock)
        {
            if (_output.IsEmpty || _outputLeased || _state == StateClosed) return ReadOnlyMemory<byte>.Empty;
            var chunk = _output.Peek();
            int mediumLimit = LimitOutputChunk(chunk.Length);
            if (mediumLimit == 0) return ReadOnlyMemory<byte>.Empty; // the medium wakes the send loop when it can take more
            chunk = chunk[..mediumLimit];
            if (_writeThrottle is not null)
            {
                int allowed = _writeThrottle.Take(chunk.Length, PolicyNow());
                if (allowed == 0)
                {
                    _writeThrottle.WakeWhenAvailable(this);
                    return ReadOnlyMemory<byte>.Empty;
                }
                chunk = chunk[..allowed];
            }
            _outputLeased = true;
            return chunk;
        }
    }

    /// <summary>The medium sent <paramref name="sent"/> (0 when it failed) of the chunk from <see cref="TryPeekOutput"/>.</summary>
    private protected void CompleteOutput(int sent, int peeked)
    {
        bool flushed, notifyProducer = false;
        lock (SendLock)
        {
            _outputLeased = false;
            OnOutputSent(sent);
            if (_clearOutputOnReturn)
            {
                // Finish ran while this chunk was on its way: only now may its blocks go back to the pool.
                _clearOutputOnReturn = false;
                _output.Clear();
                return;
            }
            if (_writeThrottle is not null && sent < peeked) _writeThrottle.Refund(peeked - sent);
            if (sent > 0 && !_output.IsEmpty)
            {
                _output.Consume(sent);
                _bytesWritten += sent;
                _host.Metrics.BytesWritten(sent);
                _protocol?.InvokeDataSent(sent);
            }
            if (_writePaused && _output.Length <= _host.LowWaterMark)
            {
                _writePaused = false;
                if (_producer is not null) notifyProducer = true;
                else SetReadPause(ReadPauseReason.Backpressure, false);
            }
            flushed = _output.IsEmpty && _state == StateClosing && !_outputShutdown;
        }
        if (notifyProducer) NotifyProducer();
        if (flushed) ShutdownOutput();
    }

    /// <summary>Buffered output the medium still has to send.</summary>
    private protected bool HasPendingOutput
    {
        get { lock (SendLock) return !_output.IsEmpty && _state != StateClosed; }
    }

    internal void WakeOutput() => OnOutputPending();

    // ---- Lifecycle (driven by the medium) -----------------------------------------------------------

    /// <summary>
    /// Runs admission and <see cref="Protocol.ConnectionMade"/>; false when the connection was rejected or closed in the
    /// process. Completes synchronously unless a ClusterWide policy asks its store (see <see cref="AdmitAsync"/>).
    /// </summary>
    private protected async ValueTask<bool> OpenAsync(Protocol protocol)
    {
        if (!await AdmitAsync(protocol).ConfigureAwait(false)) return false;
        Connect();
        return true;
    }

    /// <summary>
    /// A policy's check that finishes after the synchronous admission (a ClusterWide <c>[MaxConnections]</c> asking its
    /// store); set through <see cref="DeferAdmission"/> from inside <see cref="Protocol.OnPolicyAdmit"/>.
    /// </summary>
    internal abstract class DeferredAdmission
    {
        /// <summary>The final answer: accept, reject (the policy released what it counted) or overflow.</summary>
        public abstract ValueTask<ConnectionAdmission> VerdictAsync();
    }

    private DeferredAdmission? _deferredAdmission;

    /// <summary>Called by a policy during admission: the connection is admitted only once <paramref name="check"/> accepts.</summary>
    internal void DeferAdmission(DeferredAdmission check) => _deferredAdmission = check;

    /// <summary>
    /// Runs the admission policies; false when they rejected the connection (closed at once). An admitted connection
    /// counts toward <c>[MaxConnections]</c> and <see cref="ProtocolServer.ConnectionCount"/> from here on, also while its
    /// TLS handshake runs; <see cref="Connect"/> then makes it. When a policy deferred part of its decision (a cluster
    /// store's answer), the connection is admitted only when that answer accepts; until then it is not counted.
    /// </summary>
    private protected ValueTask<bool> AdmitAsync(Protocol protocol)
    {
        ConnectionAdmission admission;
        try
        {
            admission = protocol.InvokeAdmit(this);
        }
        catch (Exception ex)
        {
            _host.OnCallbackError(protocol, ex, "admission");
            admission = ConnectionAdmission.Reject("admission policy threw " + ex.GetType().Name);
        }
        var deferred = _deferredAdmission;
        _deferredAdmission = null;

        if (admission.Decision == AdmissionDecision.Reject)
        {
            Refuse(protocol, admission.Reason); // a deferred check is released by the policy that rejected
            return new ValueTask<bool>(false);
        }
        if (deferred is null) return new ValueTask<bool>(Admitted(protocol, admission));
        return AdmitDeferredAsync(protocol, admission, deferred);
    }

    private async ValueTask<bool> AdmitDeferredAsync(Protocol protocol, ConnectionAdmission admission, DeferredAdmission deferred)
    {
        ConnectionAdmission verdict;
        try
        {
            verdict = await deferred.VerdictAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _host.OnCallbackError(protocol, ex, "admission");
            verdict = ConnectionAdmission.Reject("admission policy threw " + ex.GetType().Name);
        }
        if (verdict.Decision == AdmissionDecision.Reject)
        {
            // The other admission policies accepted and counted: give that back, as a rejected connection never ran.
            try { protocol.InvokeReleased(); }
            catch (Exception ex) { _host.OnCallbackError(protocol, ex, "policy release"); }
            Refuse(protocol, verdict.Reason);
            return false;
        }
        return Admitted(protocol, verdict.Decision == AdmissionDecision.Overflow ? verdict : admission);
    }

    private void Refuse(Protocol protocol, string? reason)
    {
        string why = reason ?? "rejected";
        _host.Metrics.Rejected(why);
        _host.PolicyLog.Rejected(RemoteEndPoint, protocol, why);
        lock (SendLock)
        {
            _state = StateClosed;
            SetReason(DisconnectReason.Policy(why));
            _closeRequested = true;
            Interlocked.Exchange(ref _finished, 1);
        }
        CloseMedium(abort: true);
    }

    private bool Admitted(Protocol protocol, ConnectionAdmission admission)
    {
        _admittedBy = protocol;
        if (admission.Decision == AdmissionDecision.Overflow)
        {
            _host.Metrics.Overflowed(admission.Reason);
            protocol = admission.OverflowProtocol!;
        }

        _servedBy = protocol;
        _admitted = true;
        _host.OnAdmitted();
        return true;
    }

    /// <summary>Attaches the admitted protocol and runs <see cref="Protocol.ConnectionMade"/> (after the TLS handshake, if any).</summary>
    private protected void Connect()
    {
        var protocol = _servedBy!;
        _servedBy = null;
        lock (_callbackLock)
        {
            _protocol = protocol;
            protocol.Attach(this);
            try
            {
                protocol.InvokeConnectionMade();
                protocol.ConnectionMade();
            }
            catch (Exception ex)
            {
                FailCallback(protocol, ex, nameof(Protocol.ConnectionMade));
            }
        }
        AfterCallback();
    }

    /// <summary>
    /// Delivers a received chunk to the policies and the protocol, serialised with the other callbacks. Once the
    /// connection is closing, input is read only to be thrown away (see <see cref="LoseConnection"/>): it is counted in
    /// <see cref="BytesDiscarded"/> and reaches no callback and no policy.
    /// </summary>
    private protected void Deliver(ReadOnlySpan<byte> data)
    {
        if (Volatile.Read(ref _state) != StateOpen)
        {
            Interlocked.Add(ref _bytesDiscarded, data.Length);
            return;
        }
        _bytesRead += data.Length;
        _host.Metrics.BytesRead(data.Length);
        lock (_callbackLock)
        {
            var protocol = _protocol;
            if (protocol is null || Volatile.Read(ref _state) != StateOpen) return;
            Volatile.Write(ref _eventTime, -1);
            try
            {
                protocol.InvokeDataReceived(data);
                protocol.DataReceived(data);
            }
            catch (Exception ex)
            {
                FailCallback(protocol, ex, nameof(Protocol.DataReceived));
            }
            finally
            {
                Volatile.Write(ref _eventTime, 0);
            }
        }
        AfterCallback();
    }

    /// <summary>
    /// The peer finished sending (end of stream). While open, the protocol hears of it through
    /// <see cref="Protocol.ReadConnectionLost"/> and may keep writing; while lingering after our FIN, the close is complete.
    /// </summary>
    private protected void OnPeerClosed()
    {
        bool tellProtocol, closeNow;
        lock (SendLock)
        {
            if (_peerFinished) return;
            _peerFinished = true;
            tellProtocol = _state == StateOpen;
            closeNow = _state == StateClosing && _outputShutdown;
        }
        if (closeNow)
        {
            RequestClose(abort: false);
            return;
        }
        if (!tellProtocol) return; // still flushing: the close completes when the output is sent

        lock (_callbackLock)
        {
            var protocol = _protocol;
            if (protocol is not null && Volatile.Read(ref _state) == StateOpen)
            {
                try
                {
                    protocol.ReadConnectionLost();
                }
                catch (Exception ex)
                {
                    FailCallback(protocol, ex, nameof(Protocol.ReadConnectionLost));
                }
            }
        }
        AfterCallback();
    }

    /// <summary>The medium failed (reset, network error): close at once. A graceful close keeps the reason that started it.</summary>
    private protected void OnMediumError(Exception? error)
    {
        lock (SendLock)
        {
            if (_state != StateClosed) _state = StateClosed;
            SetReason(new DisconnectReason(DisconnectKind.ConnectionError, error));
        }
        RequestClose(abort: true);
    }

    /// <summary>True when input goes to the protocol now: open, not paused, and the peer has not finished sending.</summary>
    private protected bool ShouldRead =>
        Volatile.Read(ref _state) == StateOpen && Volatile.Read(ref _readPause) == 0 && !Volatile.Read(ref _peerFinished);

    /// <summary>True while a graceful close reads input only to discard it (until the peer's end of stream).</summary>
    private protected bool ShouldDiscardInput => Volatile.Read(ref _state) == StateClosing && !Volatile.Read(ref _peerFinished);

    /// <summary>True when the medium should take input from the network now: to deliver it or to discard it.</summary>
    private protected bool ShouldTakeInput => ShouldRead || ShouldDiscardInput;

    private protected bool IsClosed => Volatile.Read(ref _state) == StateClosed || Volatile.Read(ref _closeRequested);

    /// <summary>
    /// Runs <see cref="Protocol.ConnectionLost"/> exactly once, then releases the admission policies.
    /// The medium calls it after it stopped reading and sending.
    /// </summary>
    private protected void Finish()
    {
        if (Interlocked.Exchange(ref _finished, 1) == 1) return;
        DisconnectReason reason;
        IPushProducer? producer;
        lock (SendLock)
        {
            _state = StateClosed;
            _closeRequested = true;
            if (!_reasonSet) SetReason(DisconnectReason.PeerClosed);
            reason = _reason;
            producer = _producer;
            _producer = null;
            // A chunk the medium is still sending must outlive us: CompleteOutput frees the blocks when it returns.
            if (_outputLeased) _clearOutputOnReturn = true;
            else _output.Clear();
        }
        if (_closeDeadline is { } deadline) _host.Timers.Cancel(deadline);
        _writeThrottle?.Dispose();

        lock (_callbackLock)
        {
            var protocol = _protocol;
            if (protocol is not null)
            {
                try { producer?.StopProducing(); }
                catch (Exception ex) { _host.OnCallbackError(protocol, ex, nameof(IPushProducer.StopProducing)); }
                try { protocol.InvokeConnectionLost(reason); }
                catch (Exception ex) { _host.OnCallbackError(protocol, ex, "policy ConnectionLost"); }
                try { protocol.ConnectionLost(reason); }
                catch (Exception ex) { _host.OnCallbackError(protocol, ex, nameof(Protocol.ConnectionLost)); }
                protocol.Detach();
            }
            // Uncounted before the admission slot is released, so ConnectionCount never exceeds a [MaxConnections] limit.
            if (_admitted) _host.OnClosed(reason.Kind, wasMade: protocol is not null);
            if (_admittedBy is { } admitted)
            {
                _admittedBy = null;
                try { admitted.InvokeReleased(); }
                catch (Exception ex) { _host.OnCallbackError(admitted, ex, "policy release"); }
            }
        }
        if (reason.Kind == DisconnectKind.PolicyViolation && _protocol is { } closed)
        {
            _host.PolicyLog.Closed(RemoteEndPoint, closed, reason.Message ?? "policy violation");
        }
    }

    internal DisconnectReason Reason
    {
        get { lock (SendLock) return _reason; }
    }

    /// <summary>
    /// Runs an idle timeout under the callback lock. Called on the timer wheel's thread, which serves every
    /// connection: when this connection is inside another callback, the entry is re-filed for the next tick instead
    /// of waiting for the lock, so one slow callback never delays other connections' timers.
    /// </summary>
    internal void RunTimeout(Protocol protocol, TimerEntry entry)
    {
        if (!TryEnterCallback())
        {
            _host.Timers.RetryNextTick(entry);
            return;
        }
        try
        {
            if (!ReferenceEquals(_protocol, protocol) || Volatile.Read(ref _state) == StateClosed) return;
            if (!Protocol.ConfirmTimeout(entry)) return;
            _host.Metrics.TimedOut();
            try
            {
                protocol.InvokeTimeoutConnection();
            }
            catch (Exception ex)
            {
                FailCallback(protocol, ex, "TimeoutConnection");
            }
        }
        finally
        {
            Monitor.Exit(_callbackLock);
        }
        AfterCallback();
    }

    /// <summary>
    /// Runs a callback of the policy layer under the callback lock (timer samples, a framer's replay after
    /// <see cref="ResumeReading"/>). Never waits: returns false, without running it, when the connection is inside
    /// another callback (on any thread, this one included), and the caller retries later (a tick later on the wheel).
    /// An exception from <paramref name="action"/> closes the connection like one from any other callback.
    /// </summary>
    internal bool RunSerialized<TState>(Action<TState> action, TState state, string callback = "policy callback")
    {
        if (!TryEnterCallback()) return false;
        try
        {
            if (Volatile.Read(ref _state) == StateClosed) return true;
            try
            {
                action(state);
            }
            catch (Exception ex) when (_protocol is not null)
            {
                FailCallback(_protocol, ex, callback);
            }
        }
        finally
        {
            Monitor.Exit(_callbackLock);
        }
        AfterCallback();
        return true;
    }

    /// <summary>Takes the callback lock without waiting; false when any callback of this connection runs, even on this thread (no nesting).</summary>
    private bool TryEnterCallback()
    {
        if (Monitor.IsEntered(_callbackLock)) return false;
        return Monitor.TryEnter(_callbackLock);
    }

    /// <summary>
    /// Starts a graceful close: input is discarded from now on, buffered output is flushed, then FIN is sent and the
    /// connection lingers until the peer's end of stream. A deadline (<see cref="ProtocolServerOptions.LingerTimeout"/>)
    /// bounds the whole close. After the peer's own end of stream the reason is <see cref="DisconnectKind.PeerClosed"/>:
    /// the peer started the ending.
    /// </summary>
    internal void Close(DisconnectReason reason)
    {
        bool flushed;
        lock (SendLock)
        {
            if (_state != StateOpen) return;
            _state = StateClosing;
            SetReason(_peerFinished && reason.Kind == DisconnectKind.LocalClosed ? DisconnectReason.PeerClosed : reason);
            flushed = _output.IsEmpty && !_outputLeased;
            _closeDeadline ??= new CloseDeadline(this);
            // Under the send lock (the wheel's lock nests inside it, as for throttle wake-ups), so a Finish that
            // cancels the deadline cannot run between the state change and the scheduling and leave an entry behind.
            _host.Timers.Schedule(_closeDeadline, _host.Timers.DeadlineAfter(_host.LingerTimeout));
        }
        OnReadingResumed(); // wake the receive side: it reads and discards from now on
        if (flushed) ShutdownOutput();
        else OnOutputPending();
    }

    /// <summary>Everything written went to the network: send FIN; close now if the peer already finished, else linger.</summary>
    private void ShutdownOutput()
    {
        bool closeNow;
        lock (SendLock)
        {
            if (_state != StateClosing || _outputShutdown) return;
            _outputShutdown = true;
            closeNow = _peerFinished;
        }
        ShutdownOutputMedium();
        if (closeNow) RequestClose(abort: false);
    }

    /// <summary>
    /// The close deadline passed. Lingering after our FIN: close plainly, keeping the reason (the output was delivered).
    /// Still flushing (the peer does not read): abort, dropping the output, with reason <see cref="DisconnectKind.TimedOut"/>.
    /// </summary>
    internal void OnCloseDeadline()
    {
        bool delivered;
        lock (SendLock)
        {
            if (_state != StateClosing) return;
            delivered = _outputShutdown;
        }
        if (delivered) RequestClose(abort: false);
        else Abort(_host.CloseNotFlushedReason);
    }

    private void RequestClose(bool abort)
    {
        lock (SendLock)
        {
            if (_closeRequested) return;
            _closeRequested = true;
            _state = StateClosed;
        }
        if (_closeDeadline is { } deadline) _host.Timers.Cancel(deadline);
        CloseMedium(abort);
    }

    private void FailCallback(Protocol protocol, Exception ex, string callback)
    {
        _host.OnCallbackError(protocol, ex, callback);
        Abort(new DisconnectReason(DisconnectKind.CallbackError, ex, callback + " threw " + ex.GetType().Name));
    }

    private void SetReason(DisconnectReason reason)
    {
        if (_reasonSet) return;
        _reason = reason;
        _reasonSet = true;
    }
}

/// <summary>Why reading is paused; reading runs only when no reason remains.</summary>
[Flags]
internal enum ReadPauseReason
{
    User = 1,
    Backpressure = 2,
    Throttle = 4,
}
