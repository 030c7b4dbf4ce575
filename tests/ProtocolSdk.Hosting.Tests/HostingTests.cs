using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ProtocolSdk.Hosting.Tests;

public class HostingTests
{
    private static readonly IPEndPoint AnyLoopbackPort = new(IPAddress.Loopback, 0);

    private static HostApplicationBuilder NewBuilder()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddLogging();
        // Clients in these tests stay open through the host's stop: keep the graceful part of the shutdown short.
        builder.Services.ConfigureAll<ProtocolServerHostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200));
        return builder;
    }

    [Fact]
    public async Task Host_starts_the_server_on_a_free_port_and_echoes()
    {
        var builder = NewBuilder();
        builder.Services.AddProtocolServer<EchoProtocol>(o => o.Endpoints.Add(AnyLoopbackPort));
        using var host = builder.Build();
        var server = host.Services.GetRequiredService<ProtocolServerHost<EchoProtocol>>();
        Assert.Empty(server.LocalEndPoints);

        await host.StartAsync();
        var endpoint = Assert.Single(server.LocalEndPoints);
        Assert.Equal(IPAddress.Loopback, endpoint.Address);
        Assert.NotEqual(0, endpoint.Port);

        using var client = await Net.ConnectAsync(endpoint);
        await client.SendAsync("hello host"u8.ToArray(), SocketFlags.None);
        Assert.Equal("hello host"u8.ToArray(), await Net.ReadExactlyAsync(client, 10));
        Assert.Equal(1, server.ConnectionCount);

        await host.StopAsync();
        Assert.Empty(server.LocalEndPoints);
        Assert.Equal(0, server.ConnectionCount);
    }

    [Fact]
    public async Task Factory_gets_services_and_ConnectionLost_runs_when_the_host_stops()
    {
        var events = new Events { Greeting = "welcome" };
        var builder = NewBuilder();
        builder.Services.AddSingleton(events);
        builder.Services.AddProtocolServer(sp => new TrackingProtocol(sp.GetRequiredService<Events>()), o => o.Endpoints.Add(AnyLoopbackPort));
        using var host = builder.Build();
        await host.StartAsync();
        var endpoint = host.Services.GetRequiredService<ProtocolServerHost<TrackingProtocol>>().LocalEndPoints[0];

        using var client = await Net.ConnectAsync(endpoint);
        Assert.Equal("welcome"u8.ToArray(), await Net.ReadExactlyAsync(client, 7));
        await events.Made.Task.WaitAsync(Net.Timeout);
        Assert.False(events.Lost.Task.IsCompleted);

        using var stopCts = new CancellationTokenSource(Net.Timeout);
        await host.StopAsync(stopCts.Token);
        Assert.True(events.Lost.Task.IsCompleted, "StopAsync returned before ConnectionLost ran");
        Assert.Equal(DisconnectKind.ServerShutdown, (await events.Lost.Task).Kind);
    }

    [Fact]
    public async Task Host_stop_closes_connections_gracefully_with_a_clean_end_of_stream()
    {
        var events = new Events { Greeting = "welcome" };
        var builder = NewBuilder();
        builder.Services.AddSingleton(events);
        builder.Services.AddProtocolServer(sp => new TrackingProtocol(sp.GetRequiredService<Events>()), o =>
        {
            o.Endpoints.Add(AnyLoopbackPort);
            o.ShutdownTimeout = TimeSpan.FromSeconds(20); // long: the well-behaved client must end it sooner
        });
        using var host = builder.Build();
        await host.StartAsync();
        var endpoint = host.Services.GetRequiredService<ProtocolServerHost<TrackingProtocol>>().LocalEndPoints[0];
        using var client = await Net.ConnectAsync(endpoint);
        Assert.Equal("welcome"u8.ToArray(), await Net.ReadExactlyAsync(client, 7));
        await events.Made.Task.WaitAsync(Net.Timeout);

        // The client reads to the end of stream and closes, as a well-behaved peer does.
        var clientSide = Task.Run(async () =>
        {
            var buffer = new byte[64];
            int n = await client.ReceiveAsync(buffer, SocketFlags.None);
            client.Dispose();
            return n;
        });
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await host.StopAsync(CancellationToken.None).WaitAsync(Net.Timeout);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"stop took {stopwatch.Elapsed}: it waited for ShutdownTimeout");
        Assert.Equal(0, await clientSide); // a clean end of stream, not a reset
        Assert.Equal(DisconnectKind.ServerShutdown, (await events.Lost.Task).Kind);
    }

    [Fact]
    public async Task Configuration_section_binds_endpoints_and_settings()
    {
        var builder = NewBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Servers:Echo:Endpoints:0:Address"] = "127.0.0.1",
            ["Servers:Echo:Endpoints:0:Port"] = "0",
            ["Servers:Echo:Endpoints:1"] = "127.0.0.1:0",
            ["Servers:Echo:Backlog"] = "64",
            ["Servers:Echo:IoEngine"] = "sockets",
            ["Servers:Echo:ReceiveBufferSize"] = "4096",
            ["Servers:Echo:HighWaterMark"] = "131072",
            ["Servers:Echo:LowWaterMark"] = "1024",
            ["Servers:Echo:MaxBufferedBytes"] = "2097152",
            ["Servers:Echo:LingerTimeout"] = "00:00:02",
            ["Servers:Echo:ShutdownTimeout"] = "00:00:01.500",
        });
        builder.Services.AddProtocolServer<EchoProtocol>(builder.Configuration.GetSection("Servers:Echo"));
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<ProtocolServerHostOptions>>()
            .Get(ProtocolServerHost<EchoProtocol>.OptionsName);
        Assert.Equal(2, options.Endpoints.Count);
        Assert.Equal(64, options.Backlog);
        Assert.Equal(IoEngine.Sockets, options.IoEngine);
        Assert.Equal(4096, options.ReceiveBufferSize);
        Assert.Equal(131072, options.HighWaterMark);
        Assert.Equal(1024, options.LowWaterMark);
        Assert.Equal(2097152, options.MaxBufferedBytes);
        Assert.Equal(TimeSpan.FromSeconds(2), options.LingerTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1.5), options.ShutdownTimeout);

        await host.StartAsync();
        var server = host.Services.GetRequiredService<ProtocolServerHost<EchoProtocol>>();
        Assert.Equal(2, server.LocalEndPoints.Count);
        Assert.NotEqual(server.LocalEndPoints[0].Port, server.LocalEndPoints[1].Port);
        foreach (var endpoint in server.LocalEndPoints)
        {
            using var client = await Net.ConnectAsync(endpoint);
            await client.SendAsync("ping"u8.ToArray(), SocketFlags.None);
            Assert.Equal("ping"u8.ToArray(), await Net.ReadExactlyAsync(client, 4));
        }
        await host.StopAsync();
    }

    [Fact]
    public void Configuration_errors_name_the_key()
    {
        var builder = NewBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Echo:Endpoints:0:Address"] = "not-an-address",
            ["Echo:Endpoints:0:Port"] = "7000",
        });
        builder.Services.AddProtocolServer<EchoProtocol>(builder.Configuration.GetSection("Echo"));
        using var host = builder.Build();
        var ex = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<ProtocolServerHost<EchoProtocol>>());
        Assert.Contains("Echo:Endpoints:0:Address", ex.Message);
    }

    [Fact]
    public void An_unknown_IoEngine_names_the_key_and_the_values()
    {
        var builder = NewBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Echo:IoEngine"] = "2" });
        builder.Services.AddProtocolServer<EchoProtocol>(builder.Configuration.GetSection("Echo"));
        using var host = builder.Build();
        var ex = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<ProtocolServerHost<EchoProtocol>>());
        Assert.Contains("Echo:IoEngine", ex.Message);
        Assert.Contains("Default, Sockets or Epoll", ex.Message);
    }

    [Fact]
    public void Missing_port_is_reported()
    {
        var builder = NewBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Echo:Endpoints:0:Address"] = "127.0.0.1" });
        builder.Services.AddProtocolServer<EchoProtocol>(builder.Configuration.GetSection("Echo"));
        using var host = builder.Build();
        var ex = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<ProtocolServerHost<EchoProtocol>>());
        Assert.Contains("Echo:Endpoints:0:Port", ex.Message);
    }

    [Fact]
    public void Default_endpoint_is_loopback_7000()
    {
        var options = new ProtocolServerHostOptions();
        Assert.Empty(options.Endpoints);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 7000), ProtocolServerHostOptions.DefaultEndpoint);
    }

    [Fact]
    public async Task Callback_exception_is_logged_through_the_hosts_logger_and_listening_is_logged()
    {
        var recorder = new RecordingLoggerProvider();
        var builder = NewBuilder();
        builder.Logging.AddProvider(recorder);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddProtocolServer<ThrowingProtocol>(o => o.Endpoints.Add(AnyLoopbackPort));
        using var host = builder.Build();
        await host.StartAsync();
        var endpoint = host.Services.GetRequiredService<ProtocolServerHost<ThrowingProtocol>>().LocalEndPoints[0];

        Assert.Contains(recorder.Entries, e => e.Level == LogLevel.Information && e.Message.Contains(endpoint.ToString()) && e.Message.Contains(nameof(ThrowingProtocol)));

        using var client = await Net.ConnectAsync(endpoint);
        await client.SendAsync("x"u8.ToArray(), SocketFlags.None);
        var error = await recorder.FirstError.WaitAsync(Net.Timeout);
        Assert.IsType<InvalidOperationException>(error.Exception);
        Assert.Equal("boom from the protocol", error.Exception!.Message);
        Assert.Contains(nameof(ThrowingProtocol), error.Message);

        // The server survives: a new connection is still accepted.
        using var second = await Net.ConnectAsync(endpoint);
        await host.StopAsync();
    }

    [Fact]
    public async Task Two_protocols_run_side_by_side()
    {
        var builder = NewBuilder();
        builder.Services.AddProtocolServer<EchoProtocol>(o => o.Endpoints.Add(AnyLoopbackPort));
        builder.Services.AddProtocolServer<PrefixProtocol>(o => o.Endpoints.Add(AnyLoopbackPort));
        using var host = builder.Build();
        Assert.Equal(2, host.Services.GetServices<IHostedService>().Count(s => s is ProtocolServerHost<EchoProtocol> or ProtocolServerHost<PrefixProtocol>));
        await host.StartAsync();

        var echo = host.Services.GetRequiredService<ProtocolServerHost<EchoProtocol>>().LocalEndPoints[0];
        var prefix = host.Services.GetRequiredService<ProtocolServerHost<PrefixProtocol>>().LocalEndPoints[0];
        Assert.NotEqual(echo, prefix);

        using var a = await Net.ConnectAsync(echo);
        using var b = await Net.ConnectAsync(prefix);
        await a.SendAsync("one"u8.ToArray(), SocketFlags.None);
        await b.SendAsync("two"u8.ToArray(), SocketFlags.None);
        Assert.Equal("one", Encoding.ASCII.GetString(await Net.ReadExactlyAsync(a, 3)));
        Assert.Equal("B:two", Encoding.ASCII.GetString(await Net.ReadExactlyAsync(b, 5)));
        await host.StopAsync();
    }

    [Fact]
    public async Task Same_protocol_registered_twice_accumulates_endpoints_in_one_hosted_service()
    {
        var builder = NewBuilder();
        builder.Services.AddProtocolServer<EchoProtocol>(o => o.Endpoints.Add(AnyLoopbackPort));
        builder.Services.AddProtocolServer<EchoProtocol>(o => o.Endpoints.Add(AnyLoopbackPort));
        using var host = builder.Build();
        Assert.Single(host.Services.GetServices<IHostedService>().OfType<ProtocolServerHost<EchoProtocol>>());
        await host.StartAsync();
        Assert.Equal(2, host.Services.GetRequiredService<ProtocolServerHost<EchoProtocol>>().LocalEndPoints.Count);
        await host.StopAsync();
    }

    [Fact]
    public async Task Start_fails_cleanly_when_the_address_is_in_use()
    {
        await using var occupied = await ProtocolServer.ListenTcpAsync<EchoProtocol>(AnyLoopbackPort);
        var recorder = new RecordingLoggerProvider();
        var builder = NewBuilder();
        builder.Logging.AddProvider(recorder);
        builder.Services.AddProtocolServer<EchoProtocol>(o =>
        {
            o.Endpoints.Add(AnyLoopbackPort);
            o.Endpoints.Add(occupied.LocalEndPoint);
        });
        using var host = builder.Build();
        var error = await Assert.ThrowsAsync<System.IO.IOException>(() => host.StartAsync());
        Assert.Contains(occupied.LocalEndPoint.ToString(), error.Message);
        Assert.IsType<SocketException>(error.InnerException);
        // The host's log names the endpoint that failed, in one line.
        Assert.Contains(recorder.Entries, e => e.Level == LogLevel.Error
            && e.Message.Contains(occupied.LocalEndPoint.ToString()) && e.Message.Contains("address already in use"));
        Assert.Empty(host.Services.GetRequiredService<ProtocolServerHost<EchoProtocol>>().LocalEndPoints);
    }

    [Fact]
    public async Task TimeProvider_from_the_container_is_used_and_StopAsync_honours_a_cancelled_token()
    {
        var builder = NewBuilder();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddProtocolServer<EchoProtocol>(o => o.Endpoints.Add(AnyLoopbackPort));
        using var host = builder.Build();
        var server = host.Services.GetRequiredService<ProtocolServerHost<EchoProtocol>>();
        await host.StartAsync();
        using var client = await Net.ConnectAsync(server.LocalEndPoints[0]);

        // An already-cancelled token: StopAsync returns without throwing; the servers still drain.
        await server.StopAsync(new CancellationToken(canceled: true));
        Assert.Empty(server.LocalEndPoints);
        await server.StopAsync(CancellationToken.None).WaitAsync(Net.Timeout); // waits for the same drain
        Assert.Equal(0, server.ConnectionCount);
        await host.StopAsync();
    }
}
