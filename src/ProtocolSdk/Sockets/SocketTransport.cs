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
/// </summary>
internal sealed class SocketTransport : Transport
{
    private readonly Socket _socket;
    private readonly IPEndPoint _remote;
    private readonly IPEndPoint _local;
    private readonly int _receiveBufferSize;
    private readonly AsyncSignal _receiveSignal = new();
    private AsyncSignal? _sendSignal; // created with the send loop: most connections never need one
    private Task? _sendLoop;
    private int _sendLoopStarted;
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
                if (!ShouldRead)
                {
                    ReturnBuffer(ref buffer); // paused or closing: hold no memory while waiting
                    await _receiveSignal.WaitAsync().ConfigureAwait(false);
                    continue;
                }

                if (buffer is null)
                {
                    // Zero-byte receive: completes when data (or EOF) is there, without a buffer.
                    await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                    if (!ShouldRead) continue;
                    buffer = ArrayPool<byte>.Shared.Rent(_receiveBufferSize);
                }

                int limit = Math.Min(_receiveBufferSize, ReadSizeLimit);
                int n = _socket.Receive(buffer, 0, limit, SocketFlags.None, out SocketError error);
                if (error == SocketError.WouldBlock)
                {
                    ReturnBuffer(ref buffer);
                    continue;
                }
                if (error != SocketError.Success)
                {
                    OnMediumError(new SocketException((int)error));
                    break;
                }
                if (n == 0)
                {
                    OnPeerClosed();
                    break;
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

        // Graceful closes finish sending first; wait until the socket is closed one way or the other.
        while (Volatile.Read(ref _mediumClosed) == 0)
        {
            await _receiveSignal.WaitAsync().ConfigureAwait(false);
        }
        if (_sendLoop is { } sendLoop)
        {
            await sendLoop.ConfigureAwait(false);
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
        if (Interlocked.Exchange(ref _sendLoopStarted, 1) == 0)
        {
            Volatile.Write(ref _sendSignal, new AsyncSignal());
            _sendLoop = SendLoopAsync();
        }
        else
        {
            Volatile.Read(ref _sendSignal)?.Set();
        }
    }

    private protected override void OnReadingResumed() => _receiveSignal.Set();

    private protected override void CloseMedium(bool abort)
    {
        if (Interlocked.Exchange(ref _mediumClosed, 1) != 0) return;
        try
        {
            if (abort)
            {
                _socket.LingerState = new LingerOption(true, 0); // RST: the peer learns at once
            }
            else
            {
                _socket.Shutdown(SocketShutdown.Send); // FIN after everything queued
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already broken or closed: nothing more to tell the peer.
        }
        _socket.Dispose();
        _receiveSignal.Set();
        Volatile.Read(ref _sendSignal)?.Set();
    }

    private async Task SendLoopAsync()
    {
        try
        {
            while (Volatile.Read(ref _mediumClosed) == 0)
            {
                var chunk = TryPeekOutput();
                if (chunk.IsEmpty)
                {
                    await _sendSignal!.WaitAsync().ConfigureAwait(false);
                    continue;
                }
                int sent = await _socket.SendAsync(chunk, SocketFlags.None).ConfigureAwait(false);
                CompleteOutput(sent, chunk.Length);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            if (!IsClosed) OnMediumError(ex);
        }
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
