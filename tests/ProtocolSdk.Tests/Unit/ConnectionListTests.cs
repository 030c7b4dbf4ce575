using System;
using System.Linq;
using System.Net;
using ProtocolSdk.Internal;
using ProtocolSdk.Sockets;
using Xunit;

namespace ProtocolSdk.Tests.Unit;

/// <summary>The server's intrusive list of its connections: every add and remove order leaves exactly the listed ones.</summary>
public class ConnectionListTests
{
    private static SocketTransport NewTransport(ConnectionHost host)
    {
        var (server, _) = MemoryMedium.CreatePair(new IPEndPoint(IPAddress.Loopback, 1), new IPEndPoint(IPAddress.Loopback, 2), window: 1024);
        return new SocketTransport(server, host, receiveBufferSize: 1024);
    }

    [Fact]
    public void Removing_the_first_a_middle_and_the_last_connection_keeps_the_others_and_the_count()
    {
        using var host = new ConnectionHost(TimeProvider.System, loggerFactory: null, highWaterMark: 64, lowWaterMark: 16);
        var list = new ConnectionList();
        var all = Enumerable.Range(0, 5).Select(_ => NewTransport(host)).ToArray();
        foreach (var transport in all) list.Add(transport);
        Assert.Equal(5, list.Count);

        Assert.True(list.Remove(all[4])); // the first in the list (added last)
        Assert.True(list.Remove(all[2])); // a middle one
        Assert.True(list.Remove(all[0])); // the last in the list
        Assert.Equal(2, list.Count);
        Assert.Equal(new[] { all[1], all[3] }.OrderBy(t => t.GetHashCode()), list.ToArray().OrderBy(t => t.GetHashCode()));

        Assert.False(list.Remove(all[2])); // removed already: nothing changes
        Assert.Equal(2, list.Count);
        list.Add(all[2]); // and it can come back
        Assert.Equal(3, list.ToArray().Distinct().Count());

        foreach (var transport in list.ToArray()) Assert.True(list.Remove(transport));
        Assert.Equal(0, list.Count);
        Assert.Empty(list.ToArray());
    }

    [Fact]
    public void A_connection_is_listed_once()
    {
        using var host = new ConnectionHost(TimeProvider.System, loggerFactory: null, highWaterMark: 64, lowWaterMark: 16);
        var list = new ConnectionList();
        var transport = NewTransport(host);
        list.Add(transport);
        Assert.Throws<InvalidOperationException>(() => list.Add(transport));
        Assert.Single(list.ToArray());
    }
}
