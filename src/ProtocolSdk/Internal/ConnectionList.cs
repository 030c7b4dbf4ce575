using System;
using ProtocolSdk.Sockets;

namespace ProtocolSdk.Internal;

/// <summary>
/// A server's open connections as a doubly linked list through the transports themselves
/// (<see cref="SocketTransport.PreviousConnection"/>, <see cref="SocketTransport.NextConnection"/>): adding and removing
/// allocate nothing, and nothing grows with the count (a hash set keeps an entry per connection in a table that is
/// reallocated as it grows, on the large-object heap past a few thousand). Not thread-safe: the server locks it.
/// </summary>
internal sealed class ConnectionList
{
    private SocketTransport? _first;

    public int Count { get; private set; }

    public void Add(SocketTransport transport)
    {
        if (transport.Listed) throw new InvalidOperationException("The connection is listed already.");
        transport.Listed = true;
        transport.PreviousConnection = null;
        transport.NextConnection = _first;
        if (_first is not null) _first.PreviousConnection = transport;
        _first = transport;
        Count++;
    }

    /// <summary>Removes the connection; false when it was not listed (never added, or removed already).</summary>
    public bool Remove(SocketTransport transport)
    {
        if (!transport.Listed) return false;
        var previous = transport.PreviousConnection;
        var next = transport.NextConnection;
        if (previous is null) _first = next;
        else previous.NextConnection = next;
        if (next is not null) next.PreviousConnection = previous;
        transport.PreviousConnection = transport.NextConnection = null;
        transport.Listed = false;
        Count--;
        return true;
    }

    public SocketTransport[] ToArray()
    {
        var all = new SocketTransport[Count];
        int i = 0;
        for (var transport = _first; transport is not null; transport = transport.NextConnection) all[i++] = transport;
        return all;
    }
}
