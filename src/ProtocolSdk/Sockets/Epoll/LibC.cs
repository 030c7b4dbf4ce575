using System;
using System.Runtime.InteropServices;

namespace ProtocolSdk.Sockets.Epoll;

/// <summary>The few Linux calls the epoll engine makes (blittable arguments only: no marshalling, AOT-safe).</summary>
internal static partial class LibC
{
    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2;
    public const uint EPOLLIN = 0x1, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10, EPOLLRDHUP = 0x2000, EPOLLET = 1u << 31;
    public const int EINTR = 4;

    /// <summary>
    /// <c>struct epoll_event</c> is packed on x86-64 (12 bytes: events at 0, data at 4) and naturally aligned elsewhere
    /// (16 bytes: data at 8), so events are read from raw memory with the layout of the machine.
    /// </summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    public static readonly int EventDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    public const int MSG_DONTWAIT = 0x40, MSG_NOSIGNAL = 0x4000;

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static unsafe partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    public static unsafe partial nint Send(int fd, byte* buffer, nuint length, int flags);

    /// <summary>The <see cref="System.Net.Sockets.SocketError"/> for a Linux errno, as the runtime reports it.</summary>
    public static System.Net.Sockets.SocketError ToSocketError(int errno) => errno switch
    {
        11 => System.Net.Sockets.SocketError.WouldBlock,          // EAGAIN / EWOULDBLOCK
        32 => System.Net.Sockets.SocketError.Shutdown,            // EPIPE: sending after our FIN or the peer's reset
        100 => System.Net.Sockets.SocketError.NetworkDown,        // ENETDOWN
        101 => System.Net.Sockets.SocketError.NetworkUnreachable, // ENETUNREACH
        103 => System.Net.Sockets.SocketError.ConnectionAborted,  // ECONNABORTED
        104 => System.Net.Sockets.SocketError.ConnectionReset,    // ECONNRESET
        107 => System.Net.Sockets.SocketError.NotConnected,       // ENOTCONN
        110 => System.Net.Sockets.SocketError.TimedOut,           // ETIMEDOUT
        113 => System.Net.Sockets.SocketError.HostUnreachable,    // EHOSTUNREACH
        9 => System.Net.Sockets.SocketError.OperationAborted,     // EBADF: closed under us
        12 or 105 => System.Net.Sockets.SocketError.NoBufferSpaceAvailable, // ENOMEM, ENOBUFS
        23 or 24 => System.Net.Sockets.SocketError.TooManyOpenSockets, // ENFILE, EMFILE: out of descriptors
        22 => System.Net.Sockets.SocketError.InvalidArgument,     // EINVAL
        111 => System.Net.Sockets.SocketError.ConnectionRefused,  // ECONNREFUSED
        _ => System.Net.Sockets.SocketError.SocketError,
    };

    public const int SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    public const int AF_INET = 2, AF_INET6 = 10;
    public const int SOL_SOCKET = 1, SO_LINGER = 13, IPPROTO_TCP = 6, TCP_NODELAY = 1;
    public const int SHUT_WR = 1;
    public const nuint FIONREAD = 0x541B;
    public const int ECONNABORTED = 103;

    /// <summary>Room for any socket address (<c>struct sockaddr_storage</c>).</summary>
    public const int SockAddrStorageSize = 128;

    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    public static unsafe partial int Accept4(int fd, byte* address, uint* addressLength, int flags);

    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    public static unsafe partial int GetSockName(int fd, byte* address, uint* addressLength);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static unsafe partial int SetSockOpt(int fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    public static partial int Shutdown(int fd, int how);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static unsafe partial int Ioctl(int fd, nuint request, int* value);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static unsafe partial int EpollCtl(int epfd, int op, int fd, byte* evt);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static unsafe partial int EpollWait(int epfd, byte* events, int maxEvents, int timeout);

    /// <summary>Adds <paramref name="fd"/> to <paramref name="epfd"/> with <paramref name="events"/> and the 64-bit user data.</summary>
    public static unsafe int Add(int epfd, int fd, uint events, ulong data)
    {
        byte* evt = stackalloc byte[16];
        *(uint*)evt = events;
        *(ulong*)(evt + EventDataOffset) = data; // unaligned on x86-64, which the CPU allows
        return EpollCtl(epfd, EPOLL_CTL_ADD, fd, evt);
    }

    public static unsafe int Remove(int epfd, int fd)
    {
        byte* evt = stackalloc byte[16]; // ignored by DEL, but kernels before 2.6.9 required it
        return EpollCtl(epfd, EPOLL_CTL_DEL, fd, evt);
    }
}
