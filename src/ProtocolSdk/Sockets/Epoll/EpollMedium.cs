using System;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace ProtocolSdk.Sockets.Epoll;

/// <summary>
/// A connected socket driven by the SDK's epoll loops instead of the runtime's sockets engine. Reads and sends are
/// non-blocking calls on the caller's thread, as in <see cref="SocketMedium"/>, but made directly (<c>recv</c> and
/// <c>send</c> with <c>MSG_DONTWAIT</c>), so the socket never has to be switched to non-blocking mode, which would make
/// the runtime build its asynchronous machinery for it. Only the waiting differs: a zero-byte receive or a send the
/// kernel refused waits for an epoll edge, and the loop that saw the edge resumes the waiting code inline, so the
/// protocol's callbacks run on the loop thread with no hop to the thread pool. The runtime's engine never sees the socket.
/// </summary>
internal sealed class EpollMedium : SocketMedium
{
    private readonly EpollLoop _loop;
    private readonly int _fd;
    private readonly ReadinessSignal _readable = new();
    private ReadinessSignal? _writable; // created by the first send the kernel refuses: most connections never wait to send
    private int _closed;
    private bool _inputEnded; // epoll reported the peer's FIN (or an error): reads never block again

    public EpollMedium(Socket socket, EpollLoop loop, IPEndPoint? local = null)
        : base(socket, local, nonBlocking: false) // reads and sends below pass MSG_DONTWAIT instead
    {
        _loop = loop;
        Handle = socket.SafeHandle;
        _fd = (int)Handle.DangerousGetHandle();
        loop.Register(this); // last: from here on the loop may deliver edges
    }

    internal SafeSocketHandle Handle { get; }

    /// <summary>The slot and token the loop knows this medium by (set by <see cref="EpollLoop.Register"/>).</summary>
    internal ulong Key { get; set; }

    /// <summary>The transport over this medium, for the stall watchdog's log line (which protocol held the loop).</summary>
    internal Transport? Owner { get; set; }

    /// <summary>An edge from epoll, on the loop thread.</summary>
    internal void OnEvents(uint events)
    {
        // The end of the stream (or an error) is a state, not an edge that more data can repeat: remember it before
        // waking the reader, so a read that returns the last bytes leaves the socket ready for the read that sees it.
        if ((events & (LibC.EPOLLRDHUP | LibC.EPOLLHUP | LibC.EPOLLERR)) != 0) Volatile.Write(ref _inputEnded, true);
        if ((events & (LibC.EPOLLIN | LibC.EPOLLRDHUP | LibC.EPOLLHUP | LibC.EPOLLERR)) != 0) _readable.Notify();
        if ((events & (LibC.EPOLLOUT | LibC.EPOLLHUP | LibC.EPOLLERR)) != 0) Volatile.Read(ref _writable)?.Notify();
    }

    public override int Receive(Span<byte> buffer, out SocketError error)
    {
        _readable.Consume();
        int n = Transfer(buffer, send: false, out error);
        // A full buffer may have left more behind: stay ready. A short read drained the socket at that instant, and any
        // byte that arrives later raises a new edge; but an end of stream already seen raises none, so stay ready for it.
        if ((error == SocketError.Success && n == buffer.Length && n > 0) || Volatile.Read(ref _inputEnded)) _readable.MarkReady();
        return n;
    }

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return _readable.WaitAsync(cancellationToken); // a zero-byte receive: wait, hold no buffer
        int n = Receive(buffer.Span, out SocketError error);
        if (error == SocketError.Success) return new ValueTask<int>(n);
        if (error != SocketError.WouldBlock) return ValueTask.FromException<int>(new SocketException((int)error));
        return ReceiveWhenReadableAsync(buffer, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceiveWhenReadableAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            await _readable.WaitAsync(cancellationToken).ConfigureAwait(false);
            int n = Receive(buffer.Span, out SocketError error);
            if (error == SocketError.Success) return n;
            if (error != SocketError.WouldBlock) throw new SocketException((int)error);
        }
    }

    public override int Send(ReadOnlySpan<byte> data, out SocketError error)
    {
        var writable = Volatile.Read(ref _writable);
        writable?.Consume();
        int n = Transfer(data, send: true, out error);
        if (error == SocketError.Success) writable?.MarkReady();
        return n;
    }

    public override ValueTask<int> SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        int n = Send(data.Span, out SocketError error);
        if (error == SocketError.Success) return new ValueTask<int>(n);
        if (error != SocketError.WouldBlock) return ValueTask.FromException<int>(new SocketException((int)error));
        return SendWhenWritableAsync(data, cancellationToken);
    }

    /// <summary>
    /// The writable signal, created on first need. Created before the send it guards is retried, so an edge that comes
    /// after that send's refusal is recorded; one that came before it concerns space the refused send already saw.
    /// </summary>
    private ReadinessSignal Writable()
    {
        var writable = Volatile.Read(ref _writable);
        if (writable is not null) return writable;
        writable = new ReadinessSignal();
        if (Volatile.Read(ref _closed) != 0) writable.Close();
        writable = Interlocked.CompareExchange(ref _writable, writable, null) ?? writable;
        if (Volatile.Read(ref _closed) != 0) writable.Close(); // closed while it was being published
        return writable;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> SendWhenWritableAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var writable = Writable();
        // The refused send in SendAsync may have run before the signal existed: try again with it in place first.
        while (true)
        {
            int n = Send(data.Span, out SocketError error);
            if (error == SocketError.Success) return n;
            if (error != SocketError.WouldBlock) throw new SocketException((int)error);
            await writable.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One non-blocking recv or send (MSG_DONTWAIT) on the descriptor, held against a concurrent close by the handle's
    /// reference count (a closed socket throws <see cref="ObjectDisposedException"/>, as the runtime's calls do).
    /// </summary>
    private unsafe int Transfer(ReadOnlySpan<byte> data, bool send, out SocketError error)
    {
        bool added = false;
        try
        {
            Handle.DangerousAddRef(ref added);
            fixed (byte* bytes = data)
            {
                while (true)
                {
                    nint n = send
                        ? LibC.Send(_fd, bytes, (nuint)data.Length, LibC.MSG_DONTWAIT | LibC.MSG_NOSIGNAL)
                        : LibC.Recv(_fd, bytes, (nuint)data.Length, LibC.MSG_DONTWAIT);
                    if (n >= 0)
                    {
                        error = SocketError.Success;
                        return (int)n;
                    }
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == LibC.EINTR) continue;
                    error = LibC.ToSocketError(errno);
                    return 0;
                }
            }
        }
        finally
        {
            if (added) Handle.DangerousRelease();
        }
    }

    public override void Close(bool abort)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        _loop.Unregister(this); // before the descriptor is closed (and its number reused)
        try
        {
            base.Close(abort);
        }
        finally
        {
            _readable.Close();
            Volatile.Read(ref _writable)?.Close();
        }
    }
}
