namespace ProtocolSdk;

/// <summary>The I/O engine under the sockets of a <see cref="ProtocolServer"/> or a <see cref="ProtocolClient"/> connection.</summary>
public enum IoEngine
{
    /// <summary><see cref="Epoll"/> on Linux, <see cref="Sockets"/> elsewhere.</summary>
    Default = 0,

    /// <summary>
    /// The runtime's <c>System.Net.Sockets</c> engine: a connection's callbacks run on thread-pool threads after the
    /// runtime's own event loop saw data. Works on every OS.
    /// </summary>
    Sockets = 1,

    /// <summary>
    /// The SDK's own event loops over Linux epoll (one per core): a connection's callbacks run inline on the loop thread
    /// that saw its data, with no hop to the thread pool. Linux only. Callbacks must not block (PSDK005): a callback
    /// that blocks holds up every connection of its loop, which the loop's stall watchdog logs and counts.
    /// </summary>
    Epoll = 2,
}
