using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace ProtocolSdk.Benchmarks;

/// <summary>The ProtocolSdk echo: every received chunk is written straight back.</summary>
public sealed class SdkEcho : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
}

/// <summary>The same echo with every policy on, at limits so high they never bite: measures the policies' overhead.</summary>
[Throttle(ReadBytesPerSecond = 1_000_000_000, WriteBytesPerSecond = 1_000_000_000)]
[Timeout(300)]
[MaxConnections(Total = 100_000, PerPeer = 100_000)]
[LogTraffic]
public sealed partial class SdkPolicyEcho : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
}

/// <summary>An echo throttled to 1 MB/s each way per connection: for checking throttle accuracy from outside with <c>loadgen rate</c>.</summary>
[Throttle(ReadBytesPerSecond = 1_000_000, WriteBytesPerSecond = 1_000_000)]
public sealed partial class SdkThrottledEcho : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
}

/// <summary>Kestrel raw TCP echo: read from the PipeReader, write to the PipeWriter, flush.</summary>
public sealed class KestrelEcho : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        PipeReader input = connection.Transport.Input;
        PipeWriter output = connection.Transport.Output;
        while (true)
        {
            ReadResult result = await input.ReadAsync().ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            foreach (ReadOnlyMemory<byte> segment in buffer)
            {
                output.Write(segment.Span);
            }
            input.AdvanceTo(buffer.End);
            FlushResult flush = await output.FlushAsync().ConfigureAwait(false);
            if (result.IsCompleted || result.IsCanceled || flush.IsCompleted || flush.IsCanceled) break;
        }
    }
}

internal static class Servers
{
    public static async Task<int> ServeSdkAsync(int port, bool watchStdin, IoEngine engine)
    {
        await using var server = await ProtocolServer.ListenTcpAsync<SdkEcho>(new IPEndPoint(IPAddress.Loopback, port), Options(engine)).ConfigureAwait(false);
        return await ServeUntilStoppedAsync(server.LocalEndPoint.Port, watchStdin).ConfigureAwait(false);
    }

    public static async Task<int> ServeSdkPoliciesAsync(int port, bool watchStdin, IoEngine engine)
    {
        await using var server = await ProtocolServer.ListenTcpAsync<SdkPolicyEcho>(new IPEndPoint(IPAddress.Loopback, port), Options(engine)).ConfigureAwait(false);
        return await ServeUntilStoppedAsync(server.LocalEndPoint.Port, watchStdin).ConfigureAwait(false);
    }

    /// <param name="tls">TLS 1.3 with a new self-signed certificate (check the throttle over TLS with <c>loadgen rate --tls</c>).</param>
    public static async Task<int> ServeSdkThrottledAsync(int port, bool watchStdin, IoEngine engine, bool tls = false)
    {
        var options = Options(engine);
        using var certificate = tls ? BenchmarkCertificate.Create() : null;
        if (certificate is not null)
        {
            options.Tls = new System.Net.Security.SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls13,
            };
        }
        await using var server = await ProtocolServer.ListenTcpAsync<SdkThrottledEcho>(new IPEndPoint(IPAddress.Loopback, port), options).ConfigureAwait(false);
        return await ServeUntilStoppedAsync(server.LocalEndPoint.Port, watchStdin).ConfigureAwait(false);
    }

    public static async Task<int> ServeKestrelAsync(int port, bool watchStdin)
    {
        if (port == 0) port = FreeLoopbackPort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.UseConnectionHandler<KestrelEcho>()));
        await using var app = builder.Build();
        await app.StartAsync().ConfigureAwait(false);
        int rc = await ServeUntilStoppedAsync(port, watchStdin).ConfigureAwait(false);
        await app.StopAsync().ConfigureAwait(false);
        return rc;
    }

    /// <summary>The ProtocolSdk servers' options: all defaults but the I/O engine (<c>--engine</c>).</summary>
    private static ProtocolServerOptions Options(IoEngine engine) => new() { IoEngine = engine };

    /// <summary>The serve modes' <c>--engine epoll|sockets|default</c> (absent: default).</summary>
    internal static IoEngine ParseEngine(string? value) => value switch
    {
        null or "default" => IoEngine.Default,
        "epoll" => IoEngine.Epoll,
        "sockets" => IoEngine.Sockets,
        _ => throw new ArgumentException($"--engine must be epoll, sockets or default, not {value}"),
    };

    /// <summary>Prints the ready line, then runs until SIGTERM/SIGINT (or, with <paramref name="watchStdin"/>, until stdin closes).</summary>
    internal static async Task<int> ServeUntilStoppedAsync(int port, bool watchStdin)
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        using var intr = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
        Console.Out.WriteLine($"listening on {port}");
        Console.Out.Flush();
        if (watchStdin) _ = Task.Run(() =>
        {
            // When the parent dies, stdin closes: do not outlive it. A "stats" line asks for the GC figures.
            try
            {
                while (Console.In.ReadLine() is { } line)
                {
                    if (line.StartsWith("stats", StringComparison.Ordinal)) ServerStats.Print(fullCollection: line == "stats full");
                }
            }
            catch (IOException) { }
            stop.TrySetResult();
        });
        await stop.Task.ConfigureAwait(false);
        return 0;
    }

    internal static int FreeLoopbackPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
