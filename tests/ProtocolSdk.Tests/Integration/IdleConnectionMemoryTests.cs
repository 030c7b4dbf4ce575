using System;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Threading.Tasks;
using ProtocolSdk.Tests.Support;
using Xunit;

namespace ProtocolSdk.Tests.Integration;

/// <summary>
/// What an idle connection keeps alive on the server, measured as the live managed heap after full collections: the
/// figure behind the RSS per idle connection in docs/performance.md. The client sockets live in this process too, so
/// the same number of clients is first measured against a bare listener that keeps nothing, and subtracted. Runs alone:
/// anything else allocating or holding memory meanwhile would blur the difference.
/// </summary>
[Collection(nameof(NonParallelCollection))]
public class IdleConnectionMemoryTests
{
    private const int Connections = 1000;

    [Fact]
    public async Task An_idle_connection_on_the_epoll_engine_keeps_under_700_managed_bytes()
    {
        long clientsOnly = await MeasureClientsAsync(server: null);
        await using var server = await ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort, new ProtocolServerOptions { IoEngine = IoEngine.Epoll });
        long withServer = await MeasureClientsAsync(server);

        long perConnection = (withServer - clientsOnly) / Connections;
        // About 590 B when this was written (the transport 280, the medium about 100, its output buffer 48, the protocol,
        // the server's set entry and the loop's slot); the sockets engine keeps about 1.9 KB. No async state machine, no
        // Socket or SafeHandle, no endpoint object, no readiness signal and no receive buffer may come back: each is 32 to 250 bytes.
        Assert.True(perConnection < 700, $"{perConnection} managed bytes per idle connection ({withServer - clientsOnly} for {Connections})");
    }

    /// <summary>Live managed bytes added by <see cref="Connections"/> connected clients (and the server's side of them, when given).</summary>
    private static async Task<long> MeasureClientsAsync(ProtocolServer? server)
    {
        using var bare = server is null ? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) : null;
        var endPoint = server?.LocalEndPoint;
        if (bare is not null)
        {
            bare.Bind(Loopback.AnyPort);
            bare.Listen(Connections);
            endPoint = (System.Net.IPEndPoint)bare.LocalEndPoint!;
        }
        var clients = new List<Socket>(Connections);
        long before = GC.GetTotalMemory(forceFullCollection: true);
        try
        {
            for (int i = 0; i < Connections; i++)
            {
                // Blocking connects: the client sockets stay blocking, so they carry no asynchronous context.
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                clients.Add(client);
                client.Connect(endPoint!);
                if (bare is not null) bare.Accept().Dispose(); // the bare listener keeps nothing of the connection
            }
            if (server is not null) await Loopback.WaitUntilAsync(() => server.ConnectionCount == Connections, "every connection admitted");
            long held = GC.GetTotalMemory(forceFullCollection: true);
            GC.KeepAlive(clients);
            return held - before;
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
            if (server is not null) await Loopback.WaitUntilAsync(() => server.SocketCount == 0, "every connection closed");
        }
    }
}
