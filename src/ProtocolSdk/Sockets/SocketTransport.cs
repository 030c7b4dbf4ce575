using System;
using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using ProtocolSdk.Internal;

namespace ProtocolSdk.Sockets;

/// <summary>
/// The transport over a connected TCP socket. Receive: wait for data with a zero-byte receive (so an idle
/// connection holds no buffer), then rent a pooled buffer and read without blocking until the socket is drained;
/// each chunk goes to the protocol as a span over that buffer. Send: try a non-blocking send on the writer's
/// thread; only what the kernel refuses is buffered and drained by a send loop started on first need.
/// Close: a graceful close reads and discards input until the peer's FIN (after ours), so the kernel never resets a
/// connection that still has unread input and destroys the reply in flight.
/// </summary>
internal sealed class SocketTransport : Transport
{
    private readonly Socket _socket;
    private readonly IPEndPoint _remote;
    private readonly IPEndPoint _local;
    private readonly int _receiveBufferSize;
    private readonly AsyncSignal _receiveSignal = new();
    private SendLoop? _sendLoop; // created on first need: most connections never buffer output
    private int _mediumClosed;

    public SocketTransport(Socket socket, ConnectionHost host, int receiveBufferSize)
        : base(host)
    {
        _socket = socket;
        _receiveBufferSize = receiveBufferSize;
        socket.NoDelay = true;
        socket.Blocking = false; // sends and reads on the caller's thread must never block
        _remote = Normalize((IPEndPoint)socket.RemoteEndPoint!);
        _local = Normalize((IPEndPoint)socket.LocalEndPoint!);
    }

    public override IPEndPoint RemoteEndPoint => _remote;

    public override IPEndPoint LocalEndPoint => _local;

    internal override int PendingInboundBytes
    {
        get
        {
            if (Volatile.Read(ref _mediumClosed) != 0 || !ShouldRead) return 0;
            try
            {
                return _socket.Available;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return 0;
            }
        }
    }

    /// <summary>Runs the connection to its end: admission, ConnectionMade, the receive loop, ConnectionLost.</summary>
    public async Task RunAsync(Protocol protocol)
    {
        if (!Open(protocol)) return;

        byte[]? buffer = null;
        try
        {
            while (Volatile.Read(ref _mediumClosed) == 0)
            {
                if (!ShouldTakeInput)
                {
                    // Paused, half-closed by the peer, or flushing after its FIN: hold no memory while waiting.
                    ReturnBuffer(ref buffer);
                    await _receiveSignal.WaitAsync().ConfigureAwait(false);
                    continue;
                }

                if (buffer is null)
                {
                    // Zero-byte receive: completes when data (or EOF) is there, without a buffer.
                    await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                    if (!ShouldTakeInput) continue;
                    buffer = ArrayPool<byte>.Shared.Rent(_receiveBufferSize);
                }

                // Input being discarded during a close is read in whole buffers (a read throttle no longer applies).
                int limit = ShouldRead ? Math.Min(_receiveBufferSize, ReadSizeLimit) : _receiveBufferSize;
                int n = _socket.Receive(buffer, 0, limit, SocketFlags.None, out SocketError error);
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
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            if (!IsClosed) OnMediumError(ex);
        }
        finally
        {
            ReturnBuffer(ref buffer);
        }

        // Wait until the socket is closed one way or the other, and until the send loop has let go of its chunk, so
        // Finish never returns an output block that a SendAsync still reads.
        while (Volatile.Read(ref _mediumClosed) == 0)
        {
            await _receiveSignal.WaitAsync().ConfigureAwait(false);
        }
        if (Volatile.Read(ref _sendLoop) is { } sendLoop)
        {
            await sendLoop.Exited.Task.ConfigureAwait(false);
        }
        Finish();
    }

    private protected override int SendNow(ReadOnlySpan<byte> data)
    {
        if (Volatile.Read(ref _mediumClosed) != 0) return -1;
        try
        {
            int sent = _socket.Send(data, SocketFlags.None, out SocketError error);
            if (error == SocketError.Success) return sent;
            if (error == SocketError.WouldBlock) return 0;
            OnMediumError(new SocketException((int)error)); // broken: close now, with the error as the reason
            return -1;
        }
        catch (ObjectDisposedException)
        {
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

    private protected override void OnReadingResumed() => _receiveSignal.Set();

    private protected override void ShutdownOutputMedium()
    {
        if (Volatile.Read(ref _mediumClosed) != 0) return;
        try
        {
            _socket.Shutdown(SocketShutdown.Send); // FIN after everything queued; the receive side stays open
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already broken or closed: the receive loop sees the error or the end.
        }
        _receiveSignal.Set();
    }

    private protected override void CloseMedium(bool abort)
    {
        if (Interlocked.Exchange(ref _mediumClosed, 1) != 0) return;
        if (abort)
        {
            try
            {
                _socket.LingerState = new LingerOption(true, 0); // RST: the peer learns at once
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already broken or closed: nothing more to tell the peer.
            }
        }
        _socket.Dispose();
        _receiveSignal.Set();
        Volatile.Read(ref _sendLoop)?.Signal.Set();
    }

    private async Task SendLoopAsync(SendLoop loop)
    {
        try
        {
            while (Volatile.Read(ref _mediumClosed) == 0)
            {
                var chunk = TryPeekOutput();
                if (chunk.IsEmpty)
                {
                    await loop.Signal.WaitAsync().ConfigureAwait(false);
                    continue;
                }
                int sent = 0;
                try
                {
                    sent = await _socket.SendAsync(chunk, SocketFlags.None).ConfigureAwait(false);
                }
                finally
                {
                    CompleteOutput(sent, chunk.Length); // also on failure: the lease on the chunk ends here
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            if (!IsClosed) OnMediumError(ex);
        }
        finally
        {
            loop.Exited.TrySetResult();
        }
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

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
}
