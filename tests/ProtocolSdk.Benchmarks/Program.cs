using System.Globalization;

namespace ProtocolSdk.Benchmarks;

/// <summary>
/// One executable, several modes (see docs/performance.md):
/// <c>serve-sdk</c>, <c>serve-sdk-policies</c>, <c>serve-kestrel</c>, <c>serve-sdk-tls</c>, <c>serve-kestrel-tls</c>
/// and the <c>cluster</c> mode's four (echo and greeting servers, print "listening on PORT"), <c>load</c>, <c>engine</c>, <c>tls</c> and
/// <c>cluster</c> (drive them with the C loadgen and print
/// Markdown tables), <c>micro</c> (BenchmarkDotNet),
/// <c>chart</c> (an SVG bar chart of committed tables).
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            PrintUsage();
            return 2;
        }
        string mode = args[0];
        string[] rest = args[1..];
        try
        {
            switch (mode)
            {
                case "serve-sdk":
                    return await Servers.ServeSdkAsync(GetPort(rest), rest.Contains("--exit-on-stdin-close"), Servers.ParseEngine(GetOption(rest, "--engine"))).ConfigureAwait(false);
                case "serve-sdk-policies":
                    return await Servers.ServeSdkPoliciesAsync(GetPort(rest), rest.Contains("--exit-on-stdin-close"), Servers.ParseEngine(GetOption(rest, "--engine"))).ConfigureAwait(false);
                case "serve-sdk-throttled":
                    return await Servers.ServeSdkThrottledAsync(GetPort(rest), rest.Contains("--exit-on-stdin-close"), Servers.ParseEngine(GetOption(rest, "--engine")), rest.Contains("--tls")).ConfigureAwait(false);
                case "serve-kestrel":
                    return await Servers.ServeKestrelAsync(GetPort(rest), rest.Contains("--exit-on-stdin-close")).ConfigureAwait(false);
                case "serve-sdk-tls":
                    return await TlsServers.ServeSdkTlsAsync(GetPort(rest), GetOption(rest, "--cert"), rest.Contains("--exit-on-stdin-close"), GetOption(rest, "--tls-engine")).ConfigureAwait(false);
                case "serve-kestrel-tls":
                    return await TlsServers.ServeKestrelTlsAsync(GetPort(rest), GetOption(rest, "--cert"), rest.Contains("--exit-on-stdin-close")).ConfigureAwait(false);
                case "serve-sdk-local-admission":
                    return await ClusterServers.ServeLocalAdmissionAsync(GetPort(rest), rest.Contains("--exit-on-stdin-close")).ConfigureAwait(false);
                case "serve-sdk-cluster-admission":
                    return await ClusterServers.ServeClusterAdmissionAsync(GetPort(rest), GetOption(rest, "--redis"), rest.Contains("--exit-on-stdin-close")).ConfigureAwait(false);
                case "serve-sdk-local-throttle":
                    return await ClusterServers.ServeLocalThrottleAsync(GetPort(rest), rest.Contains("--exit-on-stdin-close")).ConfigureAwait(false);
                case "serve-sdk-cluster-throttle":
                    return await ClusterServers.ServeClusterThrottleAsync(GetPort(rest), GetOption(rest, "--redis"), rest.Contains("--exit-on-stdin-close")).ConfigureAwait(false);
                case "serve-sdk-cluster-throttle-20mb":
                    return await ClusterServers.ServeClusterThrottle20MBAsync(GetPort(rest), GetOption(rest, "--redis"), rest.Contains("--exit-on-stdin-close")).ConfigureAwait(false);
                case "cluster":
                    return await ClusterLoadDriver.RunAsync(ClusterLoadOptions.Parse(rest)).ConfigureAwait(false);
                case "tls":
                    return await TlsLoadDriver.RunAsync(TlsLoadOptions.Parse(rest)).ConfigureAwait(false);
                case "tls-handshake-buffer":
                    return await HandshakeBufferProbe.RunAsync(rest).ConfigureAwait(false);
                case "load":
                    return await LoadDriver.RunAsync(LoadOptions.Parse(rest, LoadPlan.Load)).ConfigureAwait(false);
                case "engine":
                    return await LoadDriver.RunAsync(LoadOptions.Parse(rest, LoadPlan.Engine)).ConfigureAwait(false);
                case "micro":
                    return Micro.Run(rest);
                case "chart":
                    return ComparisonChart.Run(rest);
                default:
                    PrintUsage();
                    return 2;
            }
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message);
            PrintUsage();
            return 2;
        }
    }

    private static int GetPort(string[] args) =>
        GetOption(args, "--port") is { } port ? int.Parse(port, CultureInfo.InvariantCulture) : 0;

    private static string? GetOption(string[] args, string name)
    {
        for (int i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == name) return args[i + 1];
        }
        return null;
    }

    private static void PrintUsage()
    {
        Console.Error.WriteLine("""
            usage: ProtocolSdk.Benchmarks <mode> [options]
              serve-sdk --port N [--engine E]            ProtocolSdk echo server (port 0 = any free port; E = epoll, sockets or default)
              serve-sdk-policies --port N [--engine E]   the same echo with [Throttle][Timeout][MaxConnections][LogTraffic] at limits that never bite
              serve-sdk-throttled --port N [--engine E] [--tls]  echo throttled to 1 MB/s each way per connection (check with loadgen rate;
                                            --tls: over TLS 1.3 with a new self-signed certificate, loadgen rate --tls)
              serve-kestrel --port N        Kestrel raw TCP echo (UseConnectionHandler)
              serve-sdk-tls --port N [--cert FILE.pfx] [--tls-engine sslstream]
                                            ProtocolSdk echo over TLS 1.3 (no --cert: a new self-signed RSA 2048 certificate;
                                            --tls-engine sslstream: on SslStream instead of the SDK's own engine)
              serve-kestrel-tls --port N [--cert FILE.pfx]  Kestrel echo over TLS 1.3 (UseHttps + UseConnectionHandler)
                                            (serve-*: add --exit-on-stdin-close to stop when the parent goes away)
              load [--seconds S] [--rounds R] [--idle-conns N] [--idle-hello] [--no-idle-warmup] [--loadgen PATH] [--out FILE] [--svg FILE] [--kinds sdk,kestrel,...]
                                            runs every server kind as a child process against loadgen, prints Markdown
                                            (--svg: also draws the comparison as an SVG bar chart)
                                            kinds: sdk, sdk-epoll, sdk-sockets, sdk-policies, sdk-policies-sockets, kestrel, c-epoll
              engine [same options as load] [--c-echo PATH] [--c-threads N]
                                            I/O engines: c-epoll (native/epoll-echo.c, built with cc unless --c-echo),
                                            sdk-epoll, sdk-sockets, kestrel, sdk-policies alternated every round,
                                            64 B x 64 x 16 and 16 KiB x 8 x 4, ratios against c-epoll (default 5 rounds)
              tls [--seconds S] [--rounds R] [--idle-conns N] [--handshakes N] [--no-plain-idle] [--with-sslstream] [--loadgen PATH] [--out FILE]
                                            TLS echo, idle memory and handshakes, sdk-tls against kestrel-tls (loadgen built with TLS);
                                            --with-sslstream adds sdk-sslstream, the SDK's server on SslStream instead of its own engine
              serve-sdk-local-admission --port N                 greets "hi\n" behind [MaxConnections(PerPeer = 1_000_000)]
              serve-sdk-cluster-admission --port N --redis H:P   the same with ClusterWide = true (RedisClusterStore)
              serve-sdk-local-throttle --port N                  echo behind [Throttle(10 GB/s, PerPeer)]
              serve-sdk-cluster-throttle --port N --redis H:P    the same with ClusterWide = true (RedisClusterStore)
              serve-sdk-cluster-throttle-20mb --port N --redis H:P   the same at 20 MB/s per peer (a limit that bites)
              cluster [--rounds R] [--seconds S] [--connects N] [--loadgen PATH] [--out FILE]
                                            cluster-wide limits on its own redis-server: admission latency, throttled echo, Redis ops/s
              tls-handshake-buffer [N]      does a cancelled zero-byte read after the handshake free SslStream's 8 KB buffer? (evidence for docs)
              chart --from FILE.md --out FILE.svg [--section HEADING]
                                            draws that chart from tables already written (default section "## Results")
              micro [BenchmarkDotNet args]  allocation/latency micro-benchmarks (e.g. micro --filter '*')
            """);
    }
}
