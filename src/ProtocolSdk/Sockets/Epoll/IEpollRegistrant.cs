using System.Runtime.InteropServices;

namespace ProtocolSdk.Sockets.Epoll;

/// <summary>A descriptor in an <see cref="EpollLoop"/>'s set: a connection (<see cref="EpollMedium"/>) or a listener (<see cref="EpollAcceptor"/>).</summary>
internal interface IEpollRegistrant
{
    /// <summary>The descriptor, held against a concurrent close while the loop adds or removes it.</summary>
    SafeHandle Handle { get; }

    /// <summary>The slot and token the loop knows it by (set by <see cref="EpollLoop.Register"/>).</summary>
    ulong Key { get; set; }

    /// <summary>An edge from epoll, on the loop thread.</summary>
    void OnEvents(uint events);
}
