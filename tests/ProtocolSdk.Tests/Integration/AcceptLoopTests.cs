using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Integration;

/// <summary>The accept loop backs off on every error, never spins, never dies, and recovers.</summary>
public class AcceptLoopTests
{
    [Fact]
    public async Task Failed_accepts_back_off_exponentially_from_1_ms_to_1_s_then_the_server_recovers()
    {
        const int failures = 13;
        var clock = new FakeTimeProvider(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var calls = new ConcurrentQueue<DateTimeOffset>();
        var logs = new RecordingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        var options = new ProtocolServerOptions
        {
            TimeProvider = clock,
            LoggerFactory = loggerFactory,
            // Descriptor exhaustion for the first calls (EMFILE), then the real accept.
            AcceptSocket = (listener, token) =>
            {
                calls.Enqueue(clock.GetUtcNow());
                if (calls.Count <= failures) throw new SocketException((int)SocketError.TooManyOpenSockets);
                return listener.AcceptAsync(token);
            },
        };
        await using var server = await ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort, options);

        var expectedDelays = new[] { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 1000, 1000 };
        for (int i = 0; i < failures; i++)
        {
            await Loopback.WaitUntilAsync(() => calls.Count == i + 1, $"accept call {i + 1}");
            // No spin: without time passing, the loop does not try again.
            clock.Advance(TimeSpan.FromMilliseconds(expectedDelays[i]) - TimeSpan.FromTicks(1));
            await Task.Yield();
            Assert.Equal(i + 1, calls.Count);
            clock.Advance(TimeSpan.FromTicks(1));
        }
        await Loopback.WaitUntilAsync(() => calls.Count == failures + 1, "the accept after the last failure");

        var times = calls.ToArray();
        for (int i = 0; i < failures; i++) Assert.Equal(TimeSpan.FromMilliseconds(expectedDelays[i]), times[i + 1] - times[i]);
        Assert.Equal(failures, server.AcceptErrors);
        // Logged once for the whole burst (it lasted ~4 s, under the 10 s log interval), naming the error.
        var logged = Assert.Single(logs.Entries, e => e.Message.Contains("Accepting connections"));
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Contains("TooManyOpenSockets", logged.Message);

        // Recovered: a new client is served.
        using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
        await client.SendAsync("ok"u8.ToArray(), SocketFlags.None);
        Assert.Equal("ok"u8.ToArray(), await Loopback.ReadExactlyAsync(client, 2));
    }

    [Fact]
    public async Task An_unexpected_accept_error_does_not_end_the_loop()
    {
        int calls = 0;
        var options = new ProtocolServerOptions
        {
            AcceptSocket = (listener, token) =>
                Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("surprise") : listener.AcceptAsync(token),
        };
        await using var server = await ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort, options);
        using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
        await client.SendAsync("ok"u8.ToArray(), SocketFlags.None);
        Assert.Equal("ok"u8.ToArray(), await Loopback.ReadExactlyAsync(client, 2));
        Assert.Equal(1, server.AcceptErrors);
    }

    [Fact]
    public async Task At_its_descriptor_budget_the_server_pauses_accepting_and_serves_the_waiting_client_once_a_socket_closes()
    {
        var budget = ProtocolSdk.Internal.DescriptorBudget.WithCapacity(2);
        await using var server = await ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort, new ProtocolServerOptions { DescriptorBudget = budget });
        var first = await Loopback.ConnectAsync(server.LocalEndPoint);
        using var second = await Loopback.ConnectAsync(server.LocalEndPoint);
        foreach (var c in new[] { first, second })
        {
            await c.SendAsync("ok"u8.ToArray(), SocketFlags.None);
            Assert.Equal("ok"u8.ToArray(), await Loopback.ReadExactlyAsync(c, 2));
        }

        // The third waits in the kernel backlog: connected, but the server does not take it while the budget is spent.
        using var third = await Loopback.ConnectAsync(server.LocalEndPoint);
        await third.SendAsync("ok"u8.ToArray(), SocketFlags.None);
        await Loopback.WaitUntilAsync(() => server.AcceptErrors == 0 && budget.InUse == 2, "budget spent");
        Assert.Equal(2, server.SocketCount);

        first.Dispose(); // one socket closes: the server resumes accepting (within the 1 s backoff cap)
        Assert.Equal("ok"u8.ToArray(), await Loopback.ReadExactlyAsync(third, 2));
        Assert.Equal(2, server.ConnectionCount);
    }

    [Fact]
    public async Task A_small_descriptor_budget_is_named_in_one_warning_at_start()
    {
        var logs = new RecordingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        var budget = ProtocolSdk.Internal.DescriptorBudget.WithCapacity(142);
        var options = new ProtocolServerOptions { LoggerFactory = loggerFactory, DescriptorBudget = budget };
        await using (await ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort, options)) { }
        await using (await ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort, options)) { }
        var warning = Assert.Single(logs.Entries, e => e.Message.Contains("descriptor limit"));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("at most 142 connections", warning.Message);
    }
}
