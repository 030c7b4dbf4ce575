using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using ProtocolSdk.Sockets;

namespace ProtocolSdk.Internal;

/// <summary>
/// One end of an in-memory connection (the test kit's TLS and plaintext pairs): the socket transport runs over it
/// unchanged. Each direction is a bounded byte queue, its capacity the window a TCP connection's buffers give, so a
/// peer that does not read still pushes back on the sender. It behaves like a non-blocking socket: FIN after the queued
/// bytes, a reset (abort, or a plain close with input left unread, as the kernel does) fails the peer's reads and
/// writes at once, and operations on a closed end throw <see cref="ObjectDisposedException"/>. Waits complete
/// asynchronously, never inline in the other end's call (which may hold its transport's locks).
/// </summary>
internal sealed class MemoryMedium : ConnectionMedium
{
    private readonly object _gate; // shared by both ends: one lock orders every change of the connection
    private readonly Direction _in;
    private readonly Direction _out;
    private readonly IPEndPoint _local;
    private readonly IPEndPoint _remote;
    private bool _closed;

    private MemoryMedium(object gate, Direction input, Direction output, IPEndPoint local, IPEndPoint remote)
    {
        _gate = gate;
        _in = input;
        _out = output;
        _local = local;
        _remote = remote;
    }

    /// <summary>Two joined ends; each direction holds at most <paramref name="window"/> bytes in flight.</summary>
    public static (MemoryMedium Server, MemoryMedium Client) CreatePair(IPEndPoint serverEndPoint, IPEndPoint clientEndPoint, int window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        var gate = new object();
        var toServer = new Direction(window);
        var toClient = new Direction(window);
        return (new MemoryMedium(gate, toServer, toClient, serverEndPoint, clientEndPoint),
                new MemoryMedium(gate, toClient, toServer, clientEndPoint, serverEndPoint));
    }

    public override IPEndPoint RemoteEndPoint => _remote;

    public override IPEndPoint LocalEndPoint => _local;

    public override int Available
    {
        get { lock (_gate) return _closed ? 0 : _in.Count; }
    }

    public override int Receive(Span<byte> buffer, out SocketError error)
    {
        lock (_gate)
        {
            ThrowIfClosed();
            error = SocketError.Success;
            if (_in.Reset)
            {
                error = SocketError.ConnectionReset;
                return 0;
            }
            if (_in.Count > 0) return _in.Take(buffer);
            if (_in.Finished) return 0;
            error = SocketError.WouldBlock;
            return 0;
        }
    }

    public override async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                ThrowIfClosed();
                if (_in.Reset) throw new SocketException((int)SocketError.ConnectionReset);
                if (_in.Count > 0) return buffer.IsEmpty ? 0 : _in.Take(buffer.Span);
                if (_in.Finished) return 0;
                changed = _in.Changed;
            }
            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override int Send(ReadOnlySpan<byte> data, out SocketError error)
    {
        lock (_gate)
        {
            ThrowIfClosed();
            error = SendError();
            if (error != SocketError.Success) return 0;
            int n = _out.Put(data);
            if (n == 0) error = SocketError.WouldBlock;
            return n;
        }
    }

    public override async ValueTask<int> SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (data.IsEmpty) return 0;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                ThrowIfClosed();
                var error = SendError();
                if (error != SocketError.Success) throw new SocketException((int)error);
                int n = _out.Put(data.Span);
                if (n > 0) return n;
                changed = _out.Changed;
            }
            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override void ShutdownSend()
    {
        lock (_gate)
        {
            ThrowIfClosed();
            if (_out.Finished) return;
            _out.Finished = true;
            _out.Signal();
        }
    }

    public override void Close(bool abort)
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            // Closing with input unread makes the kernel reset the connection: the peer loses what was in flight.
            if (abort || _in.Count > 0) _out.Reset = true;
            else _out.Finished = true;
            _in.ReaderGone = true;
            _in.Count = 0;
            _in.Signal(); // our own waits end (ObjectDisposedException) and the peer's writes fail
            _out.Signal();
        }
    }

    /// <summary>Bytes queued toward the peer and not read by it yet (what the window holds).</summary>
    public int InFlightToPeer
    {
        get { lock (_gate) return _out.Count; }
    }

    private SocketError SendError()
    {
        if (_out.Finished) return SocketError.Shutdown;
        if (_out.ReaderGone || _in.Reset) return SocketError.ConnectionReset; // the peer closed or reset: nobody reads
        return SocketError.Success;
    }

    private void ThrowIfClosed()
    {
        if (_closed) throw new ObjectDisposedException(nameof(MemoryMedium));
    }

    /// <summary>One direction: a bounded queue, its end-of-stream and reset flags, and a signal for waiters (under the gate).</summary>
    private sealed class Direction
    {
        private readonly byte[] _buffer;
        private int _start;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Direction(int window) => _buffer = new byte[window];

        public int Count;
        public bool Finished;   // the writer sent FIN
        public bool Reset;      // the writer reset the connection: reads fail
        public bool ReaderGone; // the reader closed its end: writes fail

        public Task Changed => _changed.Task;

        public int Put(ReadOnlySpan<byte> data)
        {
            if (_start + Count == _buffer.Length && _start > 0)
            {
                _buffer.AsSpan(_start, Count).CopyTo(_buffer); // compact: the free space is at the front
                _start = 0;
            }
            int n = Math.Min(data.Length, _buffer.Length - _start - Count);
            if (n <= 0) return 0;
            data[..n].CopyTo(_buffer.AsSpan(_start + Count));
            Count += n;
            Signal();
            return n;
        }

        public int Take(Span<byte> destination)
        {
            int n = Math.Min(destination.Length, Count);
            _buffer.AsSpan(_start, n).CopyTo(destination);
            _start += n;
            Count -= n;
            if (Count == 0) _start = 0;
            Signal();
            return n;
        }

        /// <summary>Wakes everyone waiting on this direction; they look again under the gate.</summary>
        public void Signal()
        {
            var changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            changed.TrySetResult();
        }
    }
}
