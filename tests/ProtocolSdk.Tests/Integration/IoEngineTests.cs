using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Integration;

/// <summary>Records the name of the thread each DataReceived ran on, and echoes.</summary>
public sealed class ThreadRecordingEcho : Protocol
{
    public readonly System.Collections.Concurrent.ConcurrentQueue<string?> Threads = new();

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        Threads.Enqueue(Thread.CurrentThread.Name);
        Transport.Write(data);
    }
}

/// <summary>Blocks the first DataReceived that runs on an epoll loop for 600 ms (what PSDK005 forbids), then echoes.</summary>
public sealed class BlocksOnceProtocol : Protocol
{
    private int _blocked;

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        bool onLoop = Thread.CurrentThread.Name?.StartsWith(ProtocolSdk.Sockets.Epoll.EpollLoop.ThreadNamePrefix, StringComparison.Ordinal) == true;
#pragma warning disable PSDK005 // the misbehaviour under test (not synchronisation): the watchdog must report it
        if (onLoop && Interlocked.Exchange(ref _blocked, 1) == 0) Thread.Sleep(600);
#pragma warning restore PSDK005
        Transport.Write(data);
    }
}

/// <summary>
/// Both I/O engines behind the same transport: the SDK's epoll loops (the default on Linux) and the runtime's sockets
/// engine. The rest of the suite runs on the default; these pin each engine explicitly where behaviour could differ.
/// </summary>
public class IoEngineTests
{
    public static TheoryData<IoEngine> Engines => new() { IoEngine.Epoll, IoEngine.Sockets };

    [Fact]
    public void The_default_engine_is_epoll_on_Linux()
    {
        Assert.True(OperatingSystem.IsLinux(), "this suite runs on Linux");
        Assert.Equal(IoEngine.Epoll, new ProtocolServerOptions().ResolvedIoEngine);
        Assert.Equal(IoEngine.Sockets, new ProtocolServerOptions { IoEngine = IoEngine.Sockets }.ResolvedIoEngine);
    }

    [Fact]
    public async Task An_unknown_engine_is_refused_at_listen()
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort, new ProtocolServerOptions { IoEngine = (IoEngine)7 }));
        Assert.Equal("IoEngine", error.ParamName);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Callbacks_run_inline_on_an_epoll_loop_thread_only_with_the_epoll_engine(IoEngine engine)
    {
        var made = new ProtocolCollector<ThreadRecordingEcho>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new ThreadRecordingEcho()),
            new ProtocolServerOptions { IoEngine = engine });
        using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
        for (int i = 0; i < 20; i++)
        {
            await client.SendAsync(new byte[] { (byte)i }, SocketFlags.None);
            Assert.Equal(new[] { (byte)i }, await Loopback.ReadExactlyAsync(client, 1));
        }

        var threads = made.All.Single().Threads.ToArray();
        Assert.Equal(20, threads.Length);
        // The first chunk may be read before the loop first waits (on the thread that ran ConnectionMade); after that
        // every chunk is delivered by the loop that saw it, with the epoll engine, and never by one without it.
        var onLoop = threads.Count(name => name?.StartsWith(ProtocolSdk.Sockets.Epoll.EpollLoop.ThreadNamePrefix, StringComparison.Ordinal) == true);
        if (engine == IoEngine.Epoll) Assert.InRange(onLoop, 19, 20);
        else Assert.Equal(0, onLoop);
    }

    [Theory]
    [InlineData(IoEngine.Epoll, "127.0.0.1", "127.0.0.1")]
    [InlineData(IoEngine.Epoll, "0.0.0.0", "127.0.0.1")]
    [InlineData(IoEngine.Epoll, "::1", "::1")]
    [InlineData(IoEngine.Epoll, "::", "::1")]
    [InlineData(IoEngine.Epoll, "::", "127.0.0.1")] // dual mode: an IPv4 peer is reported as IPv4, not ::ffff:127.0.0.1
    [InlineData(IoEngine.Sockets, "127.0.0.1", "127.0.0.1")]
    [InlineData(IoEngine.Sockets, "0.0.0.0", "127.0.0.1")]
    [InlineData(IoEngine.Sockets, "::", "127.0.0.1")]
    public async Task The_transport_reports_both_ends_for_a_specific_and_a_wildcard_listener(IoEngine engine, string listenOn, string connectTo)
    {
        var made = new ProtocolCollector<RecordingProtocol>();
        await using var server = await ProtocolServer.ListenTcpAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(listenOn), 0),
            made.Wrap(() => new RecordingProtocol()), new ProtocolServerOptions { IoEngine = engine });
        using var client = await Loopback.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(connectTo), server.LocalEndPoint.Port));
        await Loopback.WaitUntilAsync(() => made.All.Count == 1, "the connection");
        var protocol = made.All.Single();
        await protocol.MadeSignal.Task.WithTimeout("ConnectionMade");

        // A wildcard listener's connection has the address the client dialled as its local end, never 0.0.0.0.
        Assert.Equal(client.RemoteEndPoint, protocol.Transport.LocalEndPoint);
        Assert.Equal(client.LocalEndPoint, protocol.Transport.RemoteEndPoint);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Four_megabytes_echo_byte_exact_through_backpressure_on_four_connections(IoEngine engine)
    {
        await using var server = await ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort, new ProtocolServerOptions { IoEngine = engine });
        var clients = Enumerable.Range(0, 4).Select(async seed =>
        {
            using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
            var payload = new byte[4 * 1024 * 1024];
            new Random(seed).NextBytes(payload);
            // Send everything before reading anything: the server's output fills, its sends wait for EPOLLOUT, and
            // its reading pauses at the high-water mark until this client reads.
            var send = Task.Run(async () =>
            {
                for (int offset = 0; offset < payload.Length; offset += 64 * 1024)
                {
                    await client.SendAsync(payload.AsMemory(offset, 64 * 1024), SocketFlags.None);
                }
            });
            var echoed = await Loopback.ReadExactlyAsync(client, payload.Length);
            await send.WithTimeout("the upload");
            Assert.True(payload.AsSpan().SequenceEqual(echoed), "echo differs");
        });
        await Task.WhenAll(clients).WithTimeout("four echoes");
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Abort_from_another_thread_while_the_loop_waits_runs_ConnectionLost_once(IoEngine engine)
    {
        var made = new ProtocolCollector<RecordingProtocol>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new RecordingProtocol()),
            new ProtocolServerOptions { IoEngine = engine });
        using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
        await Loopback.WaitUntilAsync(() => made.All.Count == 1, "the connection");
        var protocol = made.All.Single();
        await protocol.MadeSignal.Task.WithTimeout("ConnectionMade");

        await Task.Run(() => protocol.Transport.Abort());

        await protocol.LostSignal.Task.WithTimeout("ConnectionLost");
        Assert.False(await Loopback.WaitForCloseAsync(client), "an abort resets");
        Assert.Equal(1, protocol.Lost);
        Assert.Equal(0, protocol.Overlaps);
        await Loopback.WaitUntilAsync(() => server.ConnectionCount == 0, "the count released");
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task TLS_echo_works_on_both_engines(IoEngine engine)
    {
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, () => new TlsEchoProtocol { Echo = true },
            new ProtocolServerOptions { IoEngine = engine, Tls = TlsTestSupport.ServerOptions() });
        await using var ssl = await TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint);
        var payload = new byte[256 * 1024];
        new Random(7).NextBytes(payload);
        var send = ssl.WriteAsync(payload).AsTask();
        var echoed = await TlsTestSupport.ReadExactlyAsync(ssl, payload.Length).WithTimeout("the TLS echo");
        await send.WithTimeout("the TLS upload");
        Assert.True(payload.AsSpan().SequenceEqual(echoed), "TLS echo differs");
    }
}

/// <summary>
/// Blocks an epoll loop on purpose, so it runs alone: the loops are process-wide, and 600 ms of a blocked loop would
/// stall other tests' connections on it (a real-socket throttle test measured 66 % of its rate while this ran beside it).
/// </summary>
[Collection(nameof(NonParallelCollection))]
public class LoopStallTests
{
    [Fact]
    public async Task A_callback_that_blocks_its_loop_is_logged_with_the_protocol_and_counted()
    {
        var stalls = new System.Collections.Concurrent.ConcurrentQueue<string?>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "ProtocolSdk" && instrument.Name == "protocolsdk.loop.stalls") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags) if (tag.Key == "protocol") stalls.Enqueue(tag.Value as string);
        });
        listener.Start();
        var logs = new RecordingLoggerProvider();
        await using var server = await ProtocolServer.ListenTcpAsync<BlocksOnceProtocol>(Loopback.AnyPort,
            new ProtocolServerOptions { IoEngine = IoEngine.Epoll, LoggerFactory = logs });
        using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
        // A few pings: the first may still be read off the loop (before the first wait); a later one blocks the loop.
        for (int i = 0; i < 3; i++)
        {
            await client.SendAsync(new byte[] { 1 }, SocketFlags.None);
            await Loopback.ReadExactlyAsync(client, 1);
        }

        await Loopback.WaitUntilAsync(() => logs.Entries.Any(e => e.Message.Contains("BlocksOnceProtocol", StringComparison.Ordinal)), "the stall's log line");
        var line = logs.Entries.First(e => e.Message.Contains("BlocksOnceProtocol", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains("must not block", line.Message, StringComparison.Ordinal);
        Assert.Contains("BlocksOnceProtocol", stalls);
    }
}
