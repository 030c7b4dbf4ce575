using System;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace ProtocolSdk.Sockets.Epoll;

/// <summary>
/// A connected socket driven by the SDK's epoll loops instead of the runtime's sockets engine: a raw descriptor (a
/// server's connections are accepted by <see cref="EpollAcceptor"/> with <c>accept4</c>, so no
/// <see cref="Socket"/> object exists for them) read and written with direct non-blocking calls (<c>recv</c> and
/// <c>send</c> with <c>MSG_DONTWAIT</c>) on the caller's thread. Only the waiting differs from
/// <see cref="SocketMedium"/>: a zero-byte receive or a send the kernel refused waits for an epoll edge, and the loop
/// that saw the edge resumes the waiting code inline, so the protocol's callbacks run on the loop thread with no hop to
/// the thread pool. The runtime's engine never sees the socket.
/// </summary>
internal sealed class EpollMedium : ConnectionMedium, IEpollRegistrant
{
    // The descriptor's users (calls holding it against a close), counted in steps of OneUser, plus two flags: Closed
    // (Close was called: no new user) and Released (the descriptor was closed: by Close, or by the last user after
    // it). What SafeHandle does, in one int of this object instead of an object of its own per connection.
    private const int Closed = 1, Released = 2, OneUser = 4;

    private readonly Socket? _socket; // a client's connected socket (it owns the descriptor); null when accepted here
    private readonly int _fd;
    private int _fdUsers;
    private readonly ushort _loopIndex; // the loop this socket is registered with, in EpollEngine.Shared
    private ReadinessSignal? _readable; // created by the first wait: a connection whose reads the loop calls back (PumpReads) never waits
    private int _readReady;             // until _readable exists: 1 when an edge (or the end) came since the last read drained the socket
    private ReadinessSignal? _writable; // created by the first send the kernel refuses: most connections never wait to send
    private IPEndPoint? _remote;        // made on first use from the two fields below (an IPv4 peer), or at once (IPv6)
    private readonly uint _remoteIPv4;
    private readonly ushort _remotePort;
    private IPEndPoint? _local;         // shared (a listener bound to one address), or asked on first use
    private int _closed;
    private bool _inputEnded; // epoll reported the peer's FIN (or an error): reads never block again
    private bool _pumpReads;  // a readable edge calls the transport (its receive side runs on the loop's callbacks)

    /// <summary>
    /// A connection <see cref="EpollAcceptor"/> accepted (this medium owns <paramref name="fd"/> from here on, also
    /// when this throws): <paramref name="address"/> is its peer's <c>sockaddr</c>.
    /// </summary>
    public unsafe EpollMedium(int fd, byte* address, EpollLoop loop, IPEndPoint? local)
    {
        _fd = fd;
        _loopIndex = (ushort)loop.Index;
        _local = local;
        try
        {
            if (!SocketAddressReader.TryReadIPv4(address, out _remoteIPv4, out _remotePort))
            {
                _remote = SocketAddressReader.ToEndPoint(address) ?? throw new SocketException((int)SocketError.AddressFamilyNotSupported);
            }
            SetNoDelay();
            loop.Register(this, LibC.EPOLLIN | LibC.EPOLLOUT | LibC.EPOLLRDHUP | LibC.EPOLLET); // last: from here on the loop may deliver edges
        }
        catch
        {
            LibC.Close(fd);
            throw;
        }
    }

    /// <summary>A connected socket made elsewhere (a client's): this medium owns it from here on.</summary>
    public EpollMedium(Socket socket, EpollLoop loop)
    {
        _loopIndex = (ushort)loop.Index;
        _socket = socket;
        _fd = (int)socket.SafeHandle.DangerousGetHandle();
        _remote = Normalize((IPEndPoint)socket.RemoteEndPoint!);
        _local = Normalize((IPEndPoint)socket.LocalEndPoint!);
        SetNoDelay();
        loop.Register(this, LibC.EPOLLIN | LibC.EPOLLOUT | LibC.EPOLLRDHUP | LibC.EPOLLET);
    }

    /// <inheritdoc/>
    public int AddRef()
    {
        if (_socket is { } socket)
        {
            bool added = false;
            try
            {
                socket.SafeHandle.DangerousAddRef(ref added);
            }
            catch (ObjectDisposedException)
            {
                return -1;
            }
            return added ? _fd : -1;
        }
        if ((Interlocked.Add(ref _fdUsers, OneUser) & Closed) == 0) return _fd;
        Release(); // closed meanwhile: let go again (the last user out closes the descriptor)
        return -1;
    }

    /// <inheritdoc/>
    public void Release()
    {
        if (_socket is { } socket)
        {
            socket.SafeHandle.DangerousRelease();
            return;
        }
        if (Interlocked.Add(ref _fdUsers, -OneUser) == Closed) ReleaseDescriptor();
    }

    /// <summary>Closes the descriptor once: only the caller that moves the count from "closed, unused" to "released" does.</summary>
    private void ReleaseDescriptor()
    {
        if (Interlocked.CompareExchange(ref _fdUsers, Closed | Released, Closed) == Closed) LibC.Close(_fd);
    }

    /// <inheritdoc/>
    public ulong Key { get; set; }

    /// <summary>The transport over this medium: for the stall watchdog's log line (which protocol held the loop), and for <see cref="PumpReads"/>.</summary>
    internal SocketTransport? Owner { get; set; }

    /// <summary>Whether a readable edge calls the owner's <see cref="SocketTransport.OnReadable"/> (inline, on the loop thread).</summary>
    internal bool PumpReads
    {
        get => Volatile.Read(ref _pumpReads);
        set => Volatile.Write(ref _pumpReads, value);
    }

    /// <summary>Whether an edge (or the end of the stream) came since the last read that drained the socket.</summary>
    internal bool IsReadable => Volatile.Read(ref _readable) is { } readable ? readable.IsReady : Volatile.Read(ref _readReady) != 0;

    public override bool MayHaveInput => IsReadable;

    /// <summary>
    /// The readable signal, created by the first wait. It starts ready: an edge that came while it was being made may
    /// have gone to <see cref="_readReady"/> after that was read, and a wait that finds nothing to read just waits again.
    /// </summary>
    private ReadinessSignal Readable()
    {
        var readable = Volatile.Read(ref _readable);
        if (readable is not null) return readable;
        readable = new ReadinessSignal();
        readable.MarkReady();
        if (Volatile.Read(ref _closed) != 0) readable.Close();
        readable = Interlocked.CompareExchange(ref _readable, readable, null) ?? readable;
        if (Volatile.Read(ref _closed) != 0) readable.Close(); // closed while it was being published
        return readable;
    }

    public override IPEndPoint RemoteEndPoint => _remote ??= new IPEndPoint(new IPAddress(_remoteIPv4), _remotePort);

    public override unsafe IPEndPoint LocalEndPoint
    {
        get
        {
            if (_local is { } local) return local;
            byte* address = stackalloc byte[LibC.SockAddrStorageSize];
            uint length = LibC.SockAddrStorageSize;
            int result = -1;
            if (TryHold())
            {
                result = LibC.GetSockName(_fd, address, &length);
                Release();
            }
            return _local = (result == 0 ? SocketAddressReader.ToEndPoint(address) : null) ?? new IPEndPoint(IPAddress.Any, 0);
        }
    }

    public override unsafe int Available
    {
        get
        {
            int count = 0, result = -1;
            if (TryHold())
            {
                result = LibC.Ioctl(_fd, LibC.FIONREAD, &count);
                Release();
            }
            return result == 0 ? count : 0;
        }
    }

    /// <summary>An edge from epoll, on the loop thread.</summary>
    public void OnEvents(uint events)
    {
        // The end of the stream (or an error) is a state, not an edge that more data can repeat: remember it before
        // waking the reader, so a read that returns the last bytes leaves the socket ready for the read that sees it.
        if ((events & (LibC.EPOLLRDHUP | LibC.EPOLLHUP | LibC.EPOLLERR)) != 0) Volatile.Write(ref _inputEnded, true);
        if ((events & (LibC.EPOLLIN | LibC.EPOLLRDHUP | LibC.EPOLLHUP | LibC.EPOLLERR)) != 0)
        {
            // A full fence between recording the edge and reading _pumpReads (Interlocked, not Volatile): the transport
            // sets _pumpReads and then reads _readReady, so each side must see the other's write, or the edge is lost.
            if (Volatile.Read(ref _readable) is { } readable) readable.Notify();
            else Interlocked.Exchange(ref _readReady, 1);
            if (Volatile.Read(ref _pumpReads)) Owner!.OnReadable();
        }
        if ((events & (LibC.EPOLLOUT | LibC.EPOLLHUP | LibC.EPOLLERR)) != 0) Volatile.Read(ref _writable)?.Notify();
    }

    public override int Receive(Span<byte> buffer, out SocketError error)
    {
        var readable = Volatile.Read(ref _readable);
        if (readable is not null) readable.Consume();
        else Interlocked.Exchange(ref _readReady, 0); // fenced before the recv, as Consume is: a later edge's 1 must win
        int n = Transfer(buffer, send: false, out error);
        // A full buffer may have left more behind: stay ready. A short read drained the socket at that instant, and any
        // byte that arrives later raises a new edge; but an end of stream already seen raises none, so stay ready for it.
        if ((error == SocketError.Success && n == buffer.Length && n > 0) || Volatile.Read(ref _inputEnded))
        {
            if (readable is not null) readable.MarkReady();
            else Interlocked.Exchange(ref _readReady, 1);
        }
        return n;
    }

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return Readable().WaitAsync(cancellationToken); // a zero-byte receive: wait, hold no buffer
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
            await Readable().WaitAsync(cancellationToken).ConfigureAwait(false);
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
        if (AddRef() < 0) throw new ObjectDisposedException(nameof(EpollMedium));
        try
        {
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
            Release();
        }
    }

    /// <summary>Holds the descriptor open for a call (let go with <see cref="Release"/>); false once it is closed.</summary>
    private bool TryHold() => AddRef() >= 0;

    private unsafe void SetNoDelay()
    {
        int on = 1;
        LibC.SetSockOpt(_fd, LibC.IPPROTO_TCP, LibC.TCP_NODELAY, &on, sizeof(int)); // best effort, as Socket.NoDelay on a fresh socket
    }

    public override void ShutdownSend()
    {
        if (!TryHold()) throw new ObjectDisposedException(nameof(EpollMedium));
        int result = LibC.Shutdown(_fd, LibC.SHUT_WR);
        int errno = result != 0 ? Marshal.GetLastPInvokeError() : 0;
        Release();
        if (result != 0) throw new SocketException((int)LibC.ToSocketError(errno));
    }

    public override unsafe void Close(bool abort)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        EpollEngine.Shared.Loop(_loopIndex).Unregister(this); // before the descriptor is closed (and its number reused)
        try
        {
            if (abort && _socket is not null)
            {
                try
                {
                    _socket.LingerState = new LingerOption(true, 0); // RST, through the runtime that owns this socket
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    // Already broken or closed: nothing more to tell the peer.
                }
            }
            else if (abort)
            {
                // RST: the peer learns at once (linger on, zero seconds: struct linger { int l_onoff; int l_linger; }).
                int* linger = stackalloc int[2] { 1, 0 };
                if (TryHold())
                {
                    LibC.SetSockOpt(_fd, LibC.SOL_SOCKET, LibC.SO_LINGER, linger, 2 * sizeof(int));
                    Release();
                }
            }
            if (_socket is not null) _socket.Dispose();
            else if ((Interlocked.Or(ref _fdUsers, Closed) & ~Closed) == 0) ReleaseDescriptor(); // else the last user out does
        }
        finally
        {
            Volatile.Read(ref _readable)?.Close();
            Volatile.Read(ref _writable)?.Close();
        }
    }

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
}
