using Microsoft.Extensions.Logging;
using System.Net;
using System.Net.Sockets;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Integration;

public class LifecycleTests
{
    [Fact]
    public async Task ConnectionLost_runs_exactly_once_per_connection_under_client_resets_and_clean_closes()
    {
        var collector = new ProtocolCollector<RecordingProtocol>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, collector.Wrap(() => new RecordingProtocol { Echo = true }));

        var clients = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Loopback.ConnectAsync(server.LocalEndPoint)));
        for (int i = 0; i < clients.Length; i++)
        {
            await clients[i].SendAsync(new byte[100], SocketFlags.None);
            await Loopback.ReadExactlyAsync(clients[i], 100);
            if (i % 2 == 0)
            {
                clients[i].LingerState = new LingerOption(true, 0); // RST
            }
            clients[i].Dispose();
        }
        await Loopback.WaitUntilAsync(() => collector.All.Count == 40 && collector.All.All(p => p.Lost == 1), "every ConnectionLost");
        await Loopback.WaitUntilAsync(() => server.ConnectionCount == 0, "connection count back to zero");
        Assert.All(collector.All, p =>
        {
            Assert.Equal(1, p.Made);
            Assert.Equal(1, p.Lost);
            Assert.Equal(0, p.Overlaps);
        });
        Assert.Contains(collector.All, p => p.LostReason!.Value.Kind == DisconnectKind.PeerClosed);
        Assert.Contains(collector.All, p => p.LostReason!.Value.Kind == DisconnectKind.ConnectionError);
    }

    [Fact]
    public async Task DisposeAsync_closes_live_connections_and_returns_after_every_ConnectionLost()
    {
        var collector = new ProtocolCollector<RecordingProtocol>();
        var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, collector.Wrap(() => new RecordingProtocol()));
        var clients = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Loopback.ConnectAsync(server.LocalEndPoint)));
        await Loopback.WaitUntilAsync(() => collector.All.Count == 20 && collector.All.All(p => p.Made == 1), "all connections made");

        // Well-behaved clients: read to the end of stream, then close (so the graceful shutdown ends at once).
        var closes = clients.Select(async c => { bool clean = await Loopback.WaitForCloseAsync(c); c.Dispose(); return clean; }).ToArray();
        await server.DisposeAsync().AsTask().WithTimeout("server dispose");

        Assert.All(collector.All, p =>
        {
            Assert.Equal(1, p.Lost);
            Assert.Equal(DisconnectKind.ServerShutdown, p.LostReason!.Value.Kind);
        });
        Assert.Equal(0, server.ConnectionCount);
        Assert.All(await Task.WhenAll(closes), Assert.True); // a clean FIN, not a reset
        // The listener is closed: new connections are refused.
        await Assert.ThrowsAnyAsync<SocketException>(() => Loopback.ConnectAsync(server.LocalEndPoint));
    }

    [Fact]
    public async Task Callbacks_of_one_connection_never_overlap_while_other_threads_write()
    {
        var collector = new ProtocolCollector<RecordingProtocol>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, collector.Wrap(() => new RecordingProtocol { Echo = true }));
        using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
        await Loopback.WaitUntilAsync(() => collector.All.Count == 1 && collector.All.First().Made == 1, "connection made");
        var protocol = collector.All.First();
        var transport = protocol.Transport;

        // Other threads write concurrently (as a chat broadcast would) while data arrives.
        var writers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 2000; i++) transport.Write(new byte[16]);
        })).ToArray();
        var payload = new byte[200_000];
        var send = client.SendAsync(payload, SocketFlags.None);
        var expected = payload.Length + 4 * 2000 * 16;
        await Loopback.ReadExactlyAsync(client, expected);
        await Task.WhenAll(writers);
        await send;
        Assert.Equal(0, protocol.Overlaps);
        Assert.Equal(payload.Length, protocol.Received);
    }

    [Fact]
    public async Task An_exception_in_a_callback_closes_only_that_connection_and_is_logged()
    {
        var logs = new RecordingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var server = await ProtocolServer.ListenTcpAsync<ThrowOnBang>(Loopback.AnyPort, new ProtocolServerOptions { LoggerFactory = factory });

        using var bad = await Loopback.ConnectAsync(server.LocalEndPoint);
        using var good = await Loopback.ConnectAsync(server.LocalEndPoint);
        await bad.SendAsync("!"u8.ToArray(), SocketFlags.None);
        Assert.False(await Loopback.WaitForCloseAsync(bad)); // aborted: reset

        await good.SendAsync("ok"u8.ToArray(), SocketFlags.None);
        Assert.Equal("ok"u8.ToArray(), await Loopback.ReadExactlyAsync(good, 2));
        await Loopback.WaitUntilAsync(() => ThrowOnBang.Reasons.Count == 1, "ConnectionLost of the failed connection");
        var reason = ThrowOnBang.Reasons.Single();
        Assert.Equal(DisconnectKind.CallbackError, reason.Kind);
        Assert.Equal("bang", reason.Exception!.Message);
        Assert.Single(logs.Entries, e => e.Exception?.Message == "bang");
    }

    [Fact]
    public async Task Bad_arguments_raise_clear_exceptions_at_the_call()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => ProtocolServer.ListenTcpAsync<EchoProtocol>(null!));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort, new ProtocolServerOptions { HighWaterMark = -1 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort, new ProtocolServerOptions { ReceiveBufferSize = -5 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort, new ProtocolServerOptions { LowWaterMark = 100_000 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort, new ProtocolServerOptions { MaxBufferedBytes = 1000 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort, new ProtocolServerOptions { LingerTimeout = TimeSpan.Zero }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort, new ProtocolServerOptions { ShutdownTimeout = TimeSpan.FromSeconds(-1) }));

        await using var first = await ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort);
        var inUse = await Assert.ThrowsAsync<IOException>(() => ProtocolServer.ListenTcpAsync<EchoProtocol>(first.LocalEndPoint));
        Assert.Equal($"Cannot listen on 127.0.0.1:{first.LocalEndPoint.Port}: address already in use.", inUse.Message);
        Assert.Equal(SocketError.AddressAlreadyInUse, Assert.IsType<SocketException>(inUse.InnerException).SocketErrorCode);
    }

    [Fact]
    public async Task The_client_side_runs_a_protocol_over_a_connection()
    {
        await using var server = await ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort);
        var client = new ClientProtocol();
        await using var connection = await ProtocolClient.ConnectTcpAsync(server.LocalEndPoint, client);
        Assert.Equal("ping", await client.Reply.Task.WithTimeout("echo reply"));
        connection.Transport.LoseConnection();
        await connection.Completion.WithTimeout("client ConnectionLost");
        Assert.Equal(DisconnectKind.LocalClosed, client.Reason!.Value.Kind);
    }

    [Fact]
    public async Task Connecting_to_a_closed_port_fails_with_a_socket_exception()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(Loopback.AnyPort);
        var endpoint = (IPEndPoint)listener.LocalEndPoint!;
        listener.Dispose();
        await Assert.ThrowsAnyAsync<SocketException>(() => ProtocolClient.ConnectTcpAsync<ClientProtocol>(endpoint));
    }

    private sealed class ClientProtocol : Protocol
    {
        public readonly TaskCompletionSource<string> Reply = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public DisconnectReason? Reason;
        private readonly System.Text.StringBuilder _received = new();

        public override void ConnectionMade() => Transport.Write("ping"u8);

        public override void DataReceived(ReadOnlySpan<byte> data)
        {
            _received.Append(System.Text.Encoding.ASCII.GetString(data));
            if (_received.Length >= 4) Reply.TrySetResult(_received.ToString());
        }

        public override void ConnectionLost(DisconnectReason reason) => Reason = reason;
    }

    private sealed class ThrowOnBang : Protocol
    {
        public static readonly System.Collections.Concurrent.ConcurrentBag<DisconnectReason> Reasons = new();

        public override void DataReceived(ReadOnlySpan<byte> data)
        {
            if (data[0] == (byte)'!') throw new InvalidOperationException("bang");
            Transport.Write(data);
        }

        public override void ConnectionLost(DisconnectReason reason)
        {
            if (reason.Kind == DisconnectKind.CallbackError) Reasons.Add(reason);
        }
    }
}
