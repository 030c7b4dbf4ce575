namespace ProtocolSdk.Sockets.Epoll;

/// <summary>A descriptor in an <see cref="EpollLoop"/>'s set: a connection (<see cref="EpollMedium"/>) or a listener (<see cref="EpollAcceptor"/>).</summary>
internal interface IEpollRegistrant
{
    /// <summary>
    /// Holds the descriptor open against a concurrent close (the loop adds or removes it meanwhile): its number, or -1
    /// once it is closed (then there is nothing to <see cref="Release"/>).
    /// </summary>
    int AddRef();

    /// <summary>Lets go of what <see cref="AddRef"/> held.</summary>
    void Release();

    /// <summary>The slot and token the loop knows it by (set by <see cref="EpollLoop.Register"/>).</summary>
    ulong Key { get; set; }

    /// <summary>An edge from epoll, on the loop thread.</summary>
    void OnEvents(uint events);
}
