using System;
using System.Buffers;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using ProtocolSdk.Internal;
using ProtocolSdk.Sockets.Tls;

namespace ProtocolSdk.Sockets;

/// <summary>
/// The transport over a connected TCP socket (through <see cref="ConnectionMedium"/>, so the test kit runs the same code
/// over memory). Receive: wait for data with a zero-byte receive (so an idle
/// connection holds no buffer), then rent a pooled buffer and read without blocking until the socket is drained;
/// each chunk goes to the protocol as a span over that buffer. Send: try a non-blocking send on the writer's
/// thread; only what the kernel refuses is buffered and drained by a send loop started on first need.
/// Close: a graceful close reads and discards input until the peer's FIN (after ours), so the kernel never resets a
/// connection that still has unread input and destroys the reply in flight.
/// TLS (a TLS listener or client, or STARTTLS) puts a <see cref="TlsLayer"/> on the same socket (the SDK's own OpenSSL
/// engine for a server on Linux, else an <see cref="SslStream"/> over a <see cref="SocketStream"/>): the receive loop
/// reads plaintext from it (zero-byte read first, so an idle TLS connection holds no buffer either). On the own engine
/// writes are encrypted and sent inline as over plaintext; on SslStream the send loop is the only writer (writes are
/// queued). The send loop sends close_notify before our FIN.
/// </summary>
internal sealed partial class SocketTransport : Transport
{
    private readonly ConnectionMedium _medium;
    private readonly int _receiveBufferSize;
    private AsyncSignal? _receiveSignal; // wakes RunAsync's receive loop; created on first need (never, when pumped)
    private SendLoop? _sendLoop; // created on first need: most connections never buffer output
    private int _mediumClosed;

    // A server's list of its connections runs through them (Internal.ConnectionList, under the server's lock).
    internal SocketTransport? PreviousConnection, NextConnection;
    internal bool Listed;

    // TLS: plaintext -> pending (STARTTLS called, or the first handshake: writes wait in the buffer) -> active.
    private const int TlsNone = 0, TlsPending = 1, TlsActive = 2;
    // Null on a plaintext connection (most of them): the TLS state lives in an object of its own, created for a TLS
    // listener or client, or by StartTls, so a plaintext connection does not carry it.
    private TlsSession? _tlsSession;
    private readonly TaskCompletionSource? _established;

    // What the network carried, for the policies that measure wire bytes ([Throttle], [MinDataRate]): plaintext moved
    // by the socket directly, plus ciphertext moved by the SocketStream under TLS (counted in the TLS session).
    private long _plainReceived, _plainSent;

    /// <param name="medium">the connection under this transport: a socket, or the test kit's in-memory pipe.</param>
    /// <param name="host">what the connections of one server (or client, or test host) share.</param>
    /// <param name="receiveBufferSize">the size of the pooled buffer a read rents.</param>
    /// <param name="tls">the TLS settings when the connection speaks TLS from its first byte.</param>
    /// <param name="reportEstablished">make <see cref="Established"/> report the connection being made (always so for a TLS client).</param>
    internal SocketTransport(ConnectionMedium medium, ConnectionHost host, int receiveBufferSize, TlsStart? tls = null, bool reportEstablished = false)
        : base(host, callbackLock: medium) // the medium is private to this transport and never locked elsewhere
    {
        if (tls is not null) _tlsSession = new TlsSession { Initial = tls, Mode = TlsPending };
        if (reportEstablished || tls?.Client is not null) _established = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _medium = medium;
        if (medium is Epoll.EpollMedium polled) polled.Owner = this; // names the protocol when a callback stalls its loop
        _receiveBufferSize = receiveBufferSize;
    }

    public override IPEndPoint RemoteEndPoint => _medium.RemoteEndPoint;

    public override IPEndPoint LocalEndPoint => _medium.LocalEndPoint;

    internal override int PendingInboundBytes
    {
        get
        {
            if (Volatile.Read(ref _mediumClosed) != 0 || !ShouldRead) return 0;
            return _medium.Available;
        }
    }

    /// <summary>
    /// Runs the connection to its end: admission, ConnectionMade, the receive loop, ConnectionLost; then the host's
    /// <see cref="ConnectionHost.ConnectionEnded"/> (a server's bookkeeping), whatever happened. A server's plaintext
    /// connection on the epoll engine leaves this method once connected: its receive side runs on the loop's callbacks
    /// (<see cref="StartPumping"/>), so an idle connection is parked in no state machine at all, and the task completes
    /// then. Everything else is one async method on purpose: parked in exactly one state machine (each nested async
    /// method would keep a box of its own, about 100 bytes, for the whole life of the connection).
    /// </summary>
    public Task RunAsync(Protocol protocol) => RunAsync(protocol, resumed: false);

    /// <param name="protocol">the protocol to admit and connect; null when <paramref name="resumed"/>.</param>
    /// <param name="resumed">
    /// STARTTLS on a pumped connection: admitted and connected already, the receive loop below takes over from the
    /// callbacks (the handshake first) and ends the connection.
    /// </param>
    private async Task RunAsync(Protocol? protocol, bool resumed)
    {
        byte[]? buffer = null;
        bool pumped = false;
        try
        {
            bool connected = true;
            if (!resumed)
            {
                if (!await AdmitAsync(protocol!).ConfigureAwait(false))
                {
                    _established?.TrySetException(new IOException("The connection was rejected by an admission policy."));
                    return;
                }

                if (_tlsSession?.Initial is { } tls)
                {
                    MarkTlsFromStart();
                    connected = await HandshakeAsync(tls, upgrade: false).ConfigureAwait(false);
                }
                if (connected)
                {
                    Connect();
                    _established?.TrySetResult();
                    if (Host.ConnectionEnded is not null && _medium is Epoll.EpollMedium polled && TlsMode == TlsNone)
                    {
                        pumped = true; // the callbacks end the connection from here on
                        StartPumping(polled);
                        return;
                    }
                }
            }
            if (connected)
            {
                try
                {
                    // The receive loop.
                    while (Volatile.Read(ref _mediumClosed) == 0)
                    {
                        if (Volatile.Read(ref _tlsSession)?.StartRequested is { } start)
                        {
                            // STARTTLS: whatever is left of the chunk that carried the command was not delivered; it is
                            // dropped with the buffer. Bytes still in the kernel belong to the handshake (plaintext there fails it).
                            ReturnBuffer(ref buffer);
                            Volatile.Write(ref _tlsSession!.StartRequested, null);
                            if (!await HandshakeAsync(start, upgrade: true).ConfigureAwait(false)) break;
                            continue;
                        }

                        if (!ShouldTakeInput)
                        {
                            // Paused, half-closed by the peer, or flushing after its FIN: hold no memory while waiting.
                            ReturnBuffer(ref buffer);
                            await ReceiveSignal.WaitAsync().ConfigureAwait(false);
                            continue;
                        }

                        var ssl = TlsMode == TlsActive ? _tlsSession!.Layer : null;
                        if (buffer is null)
                        {
                            // Zero-byte receive: completes when data (or EOF) is there, without a buffer.
                            if (ssl is not null) await ssl.ReadAsync(Memory<byte>.Empty).ConfigureAwait(false);
                            else await _medium.ReceiveAsync(Memory<byte>.Empty).ConfigureAwait(false);
                            if (!ShouldTakeInput) continue;
                            buffer = ArrayPool<byte>.Shared.Rent(_receiveBufferSize);
                        }

                        // Input being discarded during a close is read in whole buffers (a read throttle no longer applies).
                        int limit = ShouldRead ? Math.Min(_receiveBufferSize, ReadSizeLimit) : _receiveBufferSize;
                        int n;
                        SocketError error = SocketError.Success;
                        if (ssl is not null) n = await ssl.ReadAsync(buffer.AsMemory(0, limit)).ConfigureAwait(false);
                        else n = _medium.Receive(buffer.AsSpan(0, limit), out error);
                        if (error == SocketError.WouldBlock)
                        {
                            ReturnBuffer(ref buffer);
                            continue;
                        }
                        if (error != SocketError.Success)
                        {
                            OnMediumError(new SocketException((int)error)); // a reset mid-linger ends the close at once
                            break;
                        }
                        if (ssl is null && n > 0) Volatile.Write(ref _plainReceived, _plainReceived + n);
                        if (n == 0)
                        {
                            // End of stream: the protocol hears ReadConnectionLost (half-close), or a lingering close completes.
                            ReturnBuffer(ref buffer);
                            OnPeerClosed();
                            continue;
                        }

                        Deliver(buffer.AsSpan(0, n));
                        if (n < limit)
                        {
                            // The socket is most likely drained: give the buffer back before waiting again.
                            ReturnBuffer(ref buffer);
                        }
                    }
                }
                catch (Exception ex) when (IsMediumFailure(ex))
                {
                    if (!IsClosed) OnMediumError(ex);
                }
                finally
                {
                    ReturnBuffer(ref buffer);
                }
            }
            else
            {
                _established?.TrySetException(_tlsSession?.HandshakeError ?? new IOException("The TLS handshake did not complete."));
            }

            // Wait until the socket is closed one way or the other, and until the send loop has let go of its chunk, so
            // Finish never returns an output block that a SendAsync still reads.
            while (Volatile.Read(ref _mediumClosed) == 0)
            {
                await ReceiveSignal.WaitAsync().ConfigureAwait(false);
            }
            if (Volatile.Read(ref _sendLoop) is { } sendLoop)
            {
                await sendLoop.Exited.Task.ConfigureAwait(false);
            }
            _tlsSession?.Layer?.Dispose(); // after both loops let go of it
            Finish();
        }
        catch (Exception ex) when (Host.ConnectionEnded is not null)
        {
            // A server's connection never takes the server down: log it and close.
            Log.AcceptFailed(Host.Logger, ex);
            Abort();
        }
        finally
        {
            if (!pumped) Host.ConnectionEnded?.Invoke(this);
        }
    }

    /// <summary>The receive loop's wake-up signal, made on first use (by a waker or the loop alike, so no wake-up is lost).</summary>
    private AsyncSignal ReceiveSignal
    {
        get
        {
            var signal = Volatile.Read(ref _receiveSignal);
            if (signal is not null) return signal;
            return Interlocked.CompareExchange(ref _receiveSignal, signal = new AsyncSignal(), null) ?? signal;
        }
    }

    /// <summary>Completes when a TLS client connection is made (after its handshake); fails when the handshake failed.</summary>
    internal Task Established => _established?.Task ?? Task.CompletedTask;

    private static bool IsMediumFailure(Exception ex) =>
        ex is SocketException or ObjectDisposedException or IOException or AuthenticationException or InvalidOperationException;

    /// <summary>
    /// Runs one TLS handshake under its absolute deadline. STARTTLS first waits until the plaintext queued before the
    /// call went out. False when it failed (the connection is closing: reported, logged and counted once).
    /// </summary>
    private async Task<bool> HandshakeAsync(TlsStart start, bool upgrade)
    {
        var tls = _tlsSession!;
        var deadline = tls.HandshakeDeadline ??= new TlsHandshakeDeadline(this);
        Timers.Schedule(deadline, Timers.DeadlineAfter(Host.TlsHandshakeTimeout));
        var layer = TlsLayer.Create(start, _medium, this);
        Volatile.Write(ref tls.Layer, layer);
        try
        {
            while (Interlocked.Read(ref tls.PlaintextLeft) > 0 && Volatile.Read(ref _mediumClosed) == 0)
            {
                await ReceiveSignal.WaitAsync().ConfigureAwait(false);
            }
            await layer.AuthenticateAsync(start).ConfigureAwait(false);
            if (Volatile.Read(ref _mediumClosed) != 0) throw new IOException("The connection closed during the TLS handshake.");
        }
        catch (Exception ex) when (IsMediumFailure(ex) || ex is System.ComponentModel.Win32Exception)
        {
            Timers.Cancel(deadline);
            // A deadline closes the socket under the handshake: tell the client caller that, not the socket error.
            tls.HandshakeError = TlsFailed && Volatile.Read(ref tls.HandshakeTimedOut) ? new TimeoutException(Host.TlsHandshakeTimedOutReason.Message, ex) : ex;
            if (!IsClosed) OnTlsHandshakeFailed(new DisconnectReason(DisconnectKind.ConnectionError, ex, "TLS handshake failed: " + ex.Message), timedOut: false);
            return false;
        }
        Timers.Cancel(deadline);
        tls.CipherSentAccounted = Interlocked.Read(ref tls.CipherSent); // the handshake is not charged to a write throttle
        Volatile.Write(ref tls.Mode, TlsActive);
        OnTlsEstablished(layer.GetConnectionInfo(), notifyProtocol: upgrade);
        if (HasPendingOutput) OnOutputPending(); // writes made during the handshake go out now, encrypted
        return true;
    }

    /// <summary>The handshake deadline passed (on the timer wheel's thread): close unless it completed meanwhile.</summary>
    internal void OnTlsHandshakeDeadline()
    {
        if (TlsMode == TlsActive) return;
        Volatile.Write(ref _tlsSession!.HandshakeTimedOut, true);
        OnTlsHandshakeFailed(Host.TlsHandshakeTimedOutReason, timedOut: true);
    }

    internal override long WireBytesReceived =>
        Volatile.Read(ref _plainReceived) + (Volatile.Read(ref _tlsSession) is { } tls ? Volatile.Read(ref tls.CipherReceived) : 0);

    internal override long WireBytesSent =>
        Interlocked.Read(ref _plainSent) + (Volatile.Read(ref _tlsSession) is { } tls ? Interlocked.Read(ref tls.CipherSent) : 0);

    /// <summary>Ciphertext the TLS layer read (receive loop only, so the session exists).</summary>
    internal void OnCipherReceived(int bytes)
    {
        var tls = _tlsSession!;
        Volatile.Write(ref tls.CipherReceived, tls.CipherReceived + bytes);
    }

    /// <summary>Ciphertext the TLS layer sent (send loop, or the handshake, so the session exists).</summary>
    internal void OnCipherSent(int bytes) => Interlocked.Add(ref _tlsSession!.CipherSent, bytes);

    /// <summary>A read made the TLS layer write (a key update, an alert) more than the kernel took: the send loop sends the rest.</summary>
    internal void RequestTlsFlush() => OnOutputPending();

    /// <summary>The TLS engine of the connection's handshake or session (null while plaintext): tests check which one runs.</summary>
    internal TlsLayer? TlsLayerInUse => Volatile.Read(ref _tlsSession)?.Layer;

    /// <summary>Where TLS stands: <see cref="TlsNone"/> without a session.</summary>
    private int TlsMode => Volatile.Read(ref _tlsSession) is { } tls ? Volatile.Read(ref tls.Mode) : TlsNone;

    // Plaintext, or an active TLS session whose engine encrypts without waiting (OpenSSL): the writer's thread sends.
    private protected override bool SendsInline => TlsMode switch
    {
        TlsNone => true,
        TlsActive => _tlsSession!.Layer!.WritesInline,
        _ => false,
    };

    // An inline TLS write whose ciphertext the kernel partly refused: the send loop sends the rest.
    private protected override bool HasUnsentInlineOutput => TlsMode == TlsActive && _tlsSession!.Layer!.HasOutputToFlush;

    /// <summary>The TLS engine's record overhead for a write (it charges exactly, as it encrypts).</summary>
    internal void ChargeTlsWriteOverhead(long bytes) => ChargeWriteOverhead(bytes);

    /// <summary>
    /// Decides, under the send lock (where StartTls also runs), what the send loop may send and how: encrypted once
    /// TLS is active; during STARTTLS only the plaintext queued before the call, then nothing until the handshake.
    /// </summary>
    private protected override int LimitOutputChunk(int length)
    {
        var tls = _tlsSession;
        if (tls is null) return length;
        int mode = Volatile.Read(ref tls.Mode);
        tls.ChunkEncrypted = mode == TlsActive;
        if (mode != TlsPending) return length;
        return (int)Math.Min(length, tls.PlaintextLeft);
    }

    private protected override void OnOutputSent(int sent)
    {
        // Plaintext queued before StartTls leaves the count as it goes out (also a chunk already in flight at the call).
        var tls = _tlsSession;
        if (tls is null || tls.ChunkEncrypted || tls.PlaintextLeft == 0) return;
        tls.PlaintextLeft -= Math.Min(sent, tls.PlaintextLeft);
        if (tls.PlaintextLeft == 0) WakeReceiver(); // the handshake may start
    }

    private protected override bool SupportsTls => true;

    private protected override void OnStartTls(TlsStart start, long plaintextBytes)
    {
        // Under the send lock: a chunk the send loop peeked before this call goes out in plaintext (ChunkEncrypted false).
        var tls = new TlsSession { PlaintextLeft = plaintextBytes, Mode = TlsPending, StartRequested = start };
        Volatile.Write(ref _tlsSession, tls);
    }

    private protected override int SendNow(ReadOnlySpan<byte> data)
    {
        if (Volatile.Read(ref _mediumClosed) != 0) return -1;
        if (TlsMode == TlsActive) return SendNowEncrypted(data);
        try
        {
            int sent = _medium.Send(data, out SocketError error);
            if (error == SocketError.Success)
            {
                Interlocked.Add(ref _plainSent, sent);
                return sent;
            }
            if (error == SocketError.WouldBlock) return 0;
            OnMediumError(new SocketException((int)error)); // broken: close now, with the error as the reason
            return -1;
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }
    }

    /// <summary>An inline write on an active TLS session (the engine counts the ciphertext it sends).</summary>
    private int SendNowEncrypted(ReadOnlySpan<byte> data)
    {
        try
        {
            return _tlsSession!.Layer!.TryWriteNow(data);
        }
        catch (Exception ex) when (IsMediumFailure(ex))
        {
            if (!IsClosed) OnMediumError(ex); // broken: close now, with the error as the reason
            return -1;
        }
    }

    private protected override void OnOutputPending()
    {
        var loop = Volatile.Read(ref _sendLoop);
        if (loop is null)
        {
            // Published before it runs, so RunAsync always sees (and awaits) a loop that was started.
            var created = new SendLoop();
            loop = Interlocked.CompareExchange(ref _sendLoop, created, null);
            if (loop is null)
            {
                _ = SendLoopAsync(created);
                return;
            }
        }
        loop.Signal.Set();
    }

    private protected override void OnReadingResumed() => WakeReceiver();

    private protected override void ShutdownOutputMedium()
    {
        if (Volatile.Read(ref _mediumClosed) != 0) return;
        int mode = TlsMode;
        if (mode == TlsActive)
        {
            // The send loop is the TLS session's only writer: it sends close_notify, then FIN.
            Interlocked.CompareExchange(ref _tlsSession!.Shutdown, 1, 0);
            OnOutputPending();
            return;
        }
        if (mode == TlsPending)
        {
            Abort(); // closing during a handshake: there is no session to close gracefully (the close's reason stays)
            return;
        }
        try
        {
            _medium.ShutdownSend(); // FIN after everything queued; the receive side stays open
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already broken or closed: the receive loop sees the error or the end.
        }
        WakeReceiver();
    }

    private protected override void CloseMedium(bool abort)
    {
        if (Interlocked.Exchange(ref _mediumClosed, 1) != 0) return;
        _medium.Close(abort);
        WakeReceiver();
        Volatile.Read(ref _sendLoop)?.Signal.Set();
    }

    private async Task SendLoopAsync(SendLoop loop)
    {
        try
        {
            while (Volatile.Read(ref _mediumClosed) == 0)
            {
                var chunk = TryPeekOutput(); // sets the session's ChunkEncrypted, under the send lock
                var tls = Volatile.Read(ref _tlsSession);
                if (chunk.IsEmpty)
                {
                    bool active = tls is not null && Volatile.Read(ref tls.Mode) == TlsActive;
                    if (active && tls!.Layer!.HasOutputToFlush) await tls.Layer.FlushAsync().ConfigureAwait(false);
                    else if (active && Volatile.Read(ref tls!.Shutdown) == 1) await SendCloseNotifyAsync().ConfigureAwait(false);
                    else await loop.Signal.WaitAsync().ConfigureAwait(false);
                    continue;
                }
                int sent = 0;
                try
                {
                    if (tls is not null && tls.ChunkEncrypted)
                    {
                        await tls.Layer!.WriteAsync(chunk).ConfigureAwait(false);
                        sent = chunk.Length;
                        if (!tls.Layer.ChargesWriteOverhead)
                        {
                            // A write throttle granted the plaintext; the record overhead (and anything else the session
                            // sent since, such as a renegotiation) is charged on top, so it limits the wire.
                            long cipher = Interlocked.Read(ref tls.CipherSent);
                            ChargeWriteOverhead(cipher - tls.CipherSentAccounted - sent);
                            tls.CipherSentAccounted = cipher;
                        }
                    }
                    else
                    {
                        sent = await _medium.SendAsync(chunk).ConfigureAwait(false);
                        Interlocked.Add(ref _plainSent, sent);
                    }
                }
                finally
                {
                    CompleteOutput(sent, chunk.Length); // also on failure: the lease on the chunk ends here
                }
            }
        }
        catch (Exception ex) when (IsMediumFailure(ex))
        {
            if (!IsClosed) OnMediumError(ex);
        }
        finally
        {
            loop.Exited.TrySetResult();
        }
    }

    /// <summary>Ends the TLS session (close_notify), then sends FIN; the receive side lingers as for plaintext.</summary>
    private async Task SendCloseNotifyAsync()
    {
        var tls = _tlsSession!;
        Volatile.Write(ref tls.Shutdown, 2);
        try
        {
            await tls.Layer!.ShutdownAsync().ConfigureAwait(false);
            _medium.ShutdownSend();
        }
        catch (Exception ex) when (IsMediumFailure(ex))
        {
            // Already broken or closed: the receive loop sees the error or the end.
        }
        WakeReceiver();
    }

    /// <summary>
    /// A connection's TLS state: made for a TLS listener or client (the first handshake), or by StartTls. Fields, not
    /// properties, so the transport can read and write them with Volatile and Interlocked.
    /// </summary>
    private sealed class TlsSession
    {
        public TlsStart? Initial;          // the handshake the connection starts with (a TLS listener or client)
        public TlsStart? StartRequested;   // set by StartTls: the receive loop runs this handshake next
        public int Mode;                   // TlsPending, then TlsActive
        public TlsLayer? Layer;
        public long PlaintextLeft;         // STARTTLS: queued output still to go out in plaintext before the handshake (send lock)
        public bool ChunkEncrypted;        // how the send loop must send the chunk it peeked (set under the send lock)
        public int Shutdown;               // 1: close_notify wanted (the send loop sends it, then FIN), 2: sent
        public TlsHandshakeDeadline? HandshakeDeadline;
        public Exception? HandshakeError;
        public bool HandshakeTimedOut;
        public long CipherReceived, CipherSent;
        public long CipherSentAccounted;   // send loop only: ciphertext already charged to a write throttle
    }

    /// <summary>The send loop's wake-up signal and its end, created together when output is first buffered.</summary>
    private sealed class SendLoop
    {
        public readonly AsyncSignal Signal = new();
        public readonly TaskCompletionSource Exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static void ReturnBuffer(ref byte[]? buffer)
    {
        if (buffer is null) return;
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = null;
    }
}
