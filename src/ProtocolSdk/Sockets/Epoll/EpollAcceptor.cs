using System;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace ProtocolSdk.Sockets.Epoll;

/// <summary>
/// Accepts a listener's connections on an epoll loop with <c>accept4</c>, straight into raw descriptors: no
/// <see cref="Socket"/> object (nor the endpoint objects the runtime's accept makes) is created for a connection, which
/// is most of what an idle connection would otherwise keep alive besides its transport. The waiting accept resumes
/// inline on the loop that saw the listener become readable.
/// </summary>
internal sealed class EpollAcceptor : IEpollRegistrant
{
    private readonly Socket _listener;
    private readonly EpollEngine _engine;
    private readonly EpollLoop _loop;
    private readonly IPEndPoint? _local;
    private readonly ReadinessSignal _readable = new();
    private int _stopped;

    /// <param name="listener">a bound, listening socket; the caller keeps owning it (and closes it after <see cref="Stop"/>).</param>
    /// <param name="engine">the loops the listener and its connections go to.</param>
    /// <param name="local">the connections' local end when the listener is bound to one address (shared); null to ask each socket.</param>
    public EpollAcceptor(Socket listener, EpollEngine engine, IPEndPoint? local)
    {
        _listener = listener;
        _engine = engine;
        _local = local;
        listener.Blocking = false; // accept4 must never block; the runtime's engine never waits on this listener
        _loop = engine.NextLoop();
        _loop.Register(this, LibC.EPOLLIN | LibC.EPOLLET);
    }

    int IEpollRegistrant.AddRef()
    {
        bool added = false;
        try
        {
            _listener.SafeHandle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }
        return added ? (int)_listener.SafeHandle.DangerousGetHandle() : -1;
    }

    void IEpollRegistrant.Release() => _listener.SafeHandle.DangerousRelease();

    /// <inheritdoc/>
    public ulong Key { get; set; }

    void IEpollRegistrant.OnEvents(uint events) => _readable.Notify();

    /// <summary>
    /// The next connection, waiting for one when none is pending. Fails with the accept's <see cref="SocketException"/>
    /// (out of descriptors, a peer that reset first), or with <see cref="SocketError.OperationAborted"/> once stopped.
    /// </summary>
    public ValueTask<ConnectionMedium> AcceptAsync()
    {
        var medium = TryAccept(out SocketError error);
        if (medium is not null) return new ValueTask<ConnectionMedium>(medium);
        if (error != SocketError.WouldBlock) return ValueTask.FromException<ConnectionMedium>(new SocketException((int)error));
        return AcceptWhenReadableAsync();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ConnectionMedium> AcceptWhenReadableAsync()
    {
        while (true)
        {
            await _readable.WaitAsync().ConfigureAwait(false);
            var medium = TryAccept(out SocketError error);
            if (medium is not null) return medium;
            if (error != SocketError.WouldBlock) throw new SocketException((int)error);
        }
    }

    private unsafe EpollMedium? TryAccept(out SocketError error)
    {
        if (Volatile.Read(ref _stopped) != 0)
        {
            error = SocketError.OperationAborted;
            return null;
        }
        byte* address = stackalloc byte[LibC.SockAddrStorageSize];
        uint length = LibC.SockAddrStorageSize;
        int fd, errno = 0;
        _readable.Consume(); // cleared before the try: a connection that arrives during it raises a new edge
        bool added = false;
        try
        {
            _listener.SafeHandle.DangerousAddRef(ref added);
            int listenFd = (int)_listener.SafeHandle.DangerousGetHandle();
            do
            {
                fd = LibC.Accept4(listenFd, address, &length, LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC);
                if (fd < 0) errno = Marshal.GetLastPInvokeError();
            }
            while (fd < 0 && errno == LibC.EINTR);
        }
        catch (ObjectDisposedException)
        {
            error = SocketError.OperationAborted;
            return null;
        }
        finally
        {
            if (added) _listener.SafeHandle.DangerousRelease();
        }
        if (fd < 0)
        {
            error = LibC.ToSocketError(errno);
            return null;
        }
        _readable.MarkReady(); // more may be queued: the next accept tells

        error = SocketError.Success;
        return new EpollMedium(fd, address, _engine.NextLoop(), _local); // owns fd from here on, also when it throws
    }

    /// <summary>Stops accepting: a waiting accept fails (on the thread pool); the listener itself is the caller's to close.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        _loop.Unregister(this);
        _readable.Close();
    }
}
