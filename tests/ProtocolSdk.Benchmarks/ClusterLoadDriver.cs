using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ProtocolSdk.Benchmarks;

internal sealed class ClusterLoadOptions
{
    public double Seconds { get; private set; } = 5;
    public int Rounds { get; private set; } = 3;
    public int Connects { get; private set; } = 2000;
    public string? Loadgen { get; private set; }
    public string? Out { get; private set; }

    public static ClusterLoadOptions Parse(string[] args)
    {
        var o = new ClusterLoadOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--seconds": o.Seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--rounds": o.Rounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--connects": o.Connects = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--loadgen": o.Loadgen = Next(); break;
                case "--out": o.Out = Next(); break;
                default: throw new ArgumentException($"unknown cluster option {args[i]}");
            }
        }
        if (o.Seconds < 1 || o.Rounds <= 0 || o.Connects < 100) throw new ArgumentException("--seconds must be at least 1, --rounds positive, --connects at least 100");
        return o;
    }
}

/// <summary>One server kind's sequential connect-to-greeting times of one round, in µs.</summary>
internal sealed record AdmissionResult(double P50, double P99, double Mean)
{
    public static AdmissionResult From(List<double> micros)
    {
        var sorted = micros.OrderBy(x => x).ToArray();
        return new AdmissionResult(Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted.Average());
    }

    private static double Percentile(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}

/// <summary>
/// One round of the admission run: connect-to-greeting of both kinds, PING round trips to Redis measured in the same
/// loop, and the ClusterWide server's own admission times (the store's histogram, Redis round trip included), in µs.
/// </summary>
internal sealed record AdmissionRound(AdmissionResult Local, AdmissionResult Cluster, AdmissionResult Ping, double StoreP50, double StoreP99, RedisWork Work);

/// <summary>Redis work of one measured stretch: INFO's total_commands_processed and the store's own call count, both deltas.</summary>
internal sealed record RedisWork(long Commands, long StoreOperations, double Seconds)
{
    public double CommandsPerSecond => Commands / Seconds;
    public double StoreOperationsPerSecond => StoreOperations < 0 ? double.NaN : StoreOperations / Seconds;
}

/// <summary>An echo run: rates from loadgen; server CPU (and, for the ClusterWide kind, Redis work) over the measured window.</summary>
internal sealed record ClusterEchoResult(double MsgsPerS, double MBPerS, double P50, double P99, double CpuUsPerMsg, RedisWork? Redis, string Json);

/// <summary>
/// The cluster-wide limits benchmark (issue 13, "Performance"): its own redis-server; per round (1) admission latency of
/// a ClusterWide [MaxConnections] against the same limit counted locally, both servers up at once and connected to in
/// turn; (2) echo throughput behind a ClusterWide [Throttle] against a local one, alternating local, cluster; (3)
/// Redis commands per second during the ClusterWide echo.
/// </summary>
internal static class ClusterLoadDriver
{
    internal static readonly Scenario[] Scenarios =
    {
        new("64 B messages, 64 connections x 16 in flight", 64, 64, 16),
        new("16 KiB messages, 8 connections x 4 in flight", 16 * 1024, 8, 4),
    };

    internal static readonly string[] ThrottleKinds = { "sdk-local-throttle", "sdk-cluster-throttle" };

    /// <summary>The ClusterWide throttle at 20 MB/s per peer (it bites), run on the 16 KiB scenario only: Redis traffic of a budget in use.</summary>
    internal const string BitingKind = "sdk-cluster-throttle-20mb";
    internal const int BitingScenario = 1;

    private const double Warmup = 1;
    /// <summary>Seconds kept off each end of loadgen's measured window when sampling CPU and Redis (the driver's timing is not loadgen's).</summary>
    private const double Margin = 0.1;
    private const int WarmupConnects = 200;

    public static async Task<int> RunAsync(ClusterLoadOptions o)
    {
        string? loadgen = ChildProcesses.FindLoadgen(o.Loadgen, "gcc -O2 -pthread -o loadgen loadgen.c");
        if (loadgen is null) return 2;
        await using RedisProcess? redis = await RedisProcess.StartAsync().ConfigureAwait(false);
        if (redis is null) return 2;

        Console.CancelKeyPress += (_, _) => { ChildProcesses.KillAll(); redis.Kill(); };
        var admission = new List<AdmissionRound>();
        var echo = new Dictionary<(int Scenario, string Kind), List<ClusterEchoResult>>();
        bool failed = false;
        var log = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        try
        {
            for (int round = 1; round <= o.Rounds; round++)
            {
                Console.Error.WriteLine($"round {round}/{o.Rounds}: admission, sdk-local-admission and sdk-cluster-admission in turn");
                var a = await RunAdmissionAsync(redis, o.Connects).ConfigureAwait(false);
                admission.Add(a);
                string line = string.Create(c, $"local p50 {a.Local.P50:F0} p99 {a.Local.P99:F0} us, cluster p50 {a.Cluster.P50:F0} p99 {a.Cluster.P99:F0} us, Redis PING p50 {a.Ping.P50:F0} p99 {a.Ping.P99:F0} us, store admission (server side) p50 {a.StoreP50:F0} p99 {a.StoreP99:F0} us; Redis {a.Work.Commands} commands, store {a.Work.StoreOperations} calls for {o.Connects} connections");
                log.AppendLine(c, $"round {round} admission: {line}");
                Console.Error.WriteLine($"  {line}");

                foreach (string kind in ThrottleKinds.Append(BitingKind))
                {
                    Console.Error.WriteLine($"round {round}/{o.Rounds}: {kind}");
                    bool clusterWide = kind != "sdk-local-throttle";
                    var server = clusterWide
                        ? await ChildProcesses.StartServerAsync(kind, "--redis", redis.Endpoint).ConfigureAwait(false)
                        : await ChildProcesses.StartServerAsync(kind).ConfigureAwait(false);
                    try
                    {
                        for (int s = 0; s < Scenarios.Length; s++)
                        {
                            if (kind == BitingKind && s != BitingScenario) continue;
                            var r = await RunEchoAsync(loadgen, server, clusterWide ? redis : null, Scenarios[s], o.Seconds).ConfigureAwait(false);
                            string redisNote = r.Redis is { } w ? string.Create(c, $" redis_commands_per_s={w.CommandsPerSecond:F1} store_ops_per_s={w.StoreOperationsPerSecond:F1}") : "";
                            log.AppendLine(c, $"round {round} {kind} size={Scenarios[s].Size}: cpu_us_per_msg={r.CpuUsPerMsg:F3}{redisNote} {r.Json}");
                            Console.Error.WriteLine($"  {Scenarios[s].Size,5} B: {r.MsgsPerS,10:N0} msgs/s {r.MBPerS,7:N1} MB/s p50 {r.P50} us p99 {r.P99} us cpu {r.CpuUsPerMsg:N2} us/msg{redisNote}");
                            if (!RunResults.CheckEcho(r.Json, Scenarios[s])) failed = true;
                            RunResults.Add(echo, (s, kind), r);
                        }
                    }
                    finally
                    {
                        await ChildProcesses.StopServerAsync(server).ConfigureAwait(false);
                    }
                }
            }
            log.AppendLine("redis-server INFO commandstats at the end of the run (script commands counted inside EVALSHA too):");
            log.AppendLine((await redis.InfoAsync("commandstats").ConfigureAwait(false)).Trim());
        }
        finally
        {
            ChildProcesses.KillAll();
        }

        string report = ClusterReport.Build(o, admission, echo);
        Console.WriteLine(report);
        if (o.Out is not null)
        {
            await File.WriteAllTextAsync(o.Out, report + "\n<details><summary>raw output</summary>\n\n```\n" + log + "```\n</details>\n").ConfigureAwait(false);
            Console.Error.WriteLine($"written to {o.Out}");
        }
        return failed ? 1 : 0;
    }

    /// <summary>
    /// Both admission servers up at once; the driver connects to them in turn (which one first alternates), so
    /// background load hits both alike. Each connect: new socket, connect, read "hi\n", stop the clock, close with RST
    /// (no TIME_WAIT: 2000 connections a kind a round would otherwise use up the ephemeral ports).
    /// </summary>
    private static async Task<AdmissionRound> RunAdmissionAsync(RedisProcess redis, int connects)
    {
        var local = await ChildProcesses.StartServerAsync("sdk-local-admission").ConfigureAwait(false);
        ChildServer? cluster = null;
        try
        {
            cluster = await ChildProcesses.StartServerAsync("sdk-cluster-admission", "--redis", redis.Endpoint).ConfigureAwait(false);
            int localPort = local.Port, clusterPort = cluster.Port;
            using var pinger = redis.OpenPinger();
            await Task.Run(() =>
            {
                for (int i = 0; i < WarmupConnects; i++) { ConnectToGreeting(localPort); ConnectToGreeting(clusterPort); pinger.RoundTripMicros(); } // JIT, pools, Redis connection
            }).ConfigureAwait(false);
            long commandsStart = await redis.TotalCommandsProcessedAsync().ConfigureAwait(false);
            string statsStart = await cluster.GetStatsLineAsync(fullCollection: false).ConfigureAwait(false); // also clears the warm-up's admission times
            var window = Stopwatch.StartNew();
            var (localTimes, clusterTimes, pingTimes) = await Task.Run(() =>
            {
                var l = new List<double>(connects);
                var cl = new List<double>(connects);
                var p = new List<double>(connects);
                for (int i = 0; i < connects; i++)
                {
                    if (i % 2 == 0) { l.Add(ConnectToGreeting(localPort)); cl.Add(ConnectToGreeting(clusterPort)); }
                    else { cl.Add(ConnectToGreeting(clusterPort)); l.Add(ConnectToGreeting(localPort)); }
                    p.Add(pinger.RoundTripMicros());
                }
                return (l, cl, p);
            }).ConfigureAwait(false);
            await Task.Delay(200).ConfigureAwait(false); // let the last slot releases reach Redis
            double seconds = window.Elapsed.TotalSeconds;
            string statsEnd = await cluster.GetStatsLineAsync(fullCollection: false).ConfigureAwait(false);
            long commandsEnd = await redis.TotalCommandsProcessedAsync().ConfigureAwait(false);
            // - 1 - connects: the second INFO and the PINGs are the driver's, not the store's.
            var work = new RedisWork(commandsEnd - commandsStart - 1 - connects, StoreOperations(statsEnd) - StoreOperations(statsStart), seconds);
            return new AdmissionRound(AdmissionResult.From(localTimes), AdmissionResult.From(clusterTimes), AdmissionResult.From(pingTimes),
                ServerStats.ParseField(statsEnd, "admission_p50_ms") * 1000, ServerStats.ParseField(statsEnd, "admission_p99_ms") * 1000, work);
        }
        finally
        {
            if (cluster is not null) await ChildProcesses.StopServerAsync(cluster).ConfigureAwait(false);
            await ChildProcesses.StopServerAsync(local).ConfigureAwait(false);
        }
    }

    private static long StoreOperations(string statsLine) => (long)ServerStats.ParseField(statsLine, "store_ops");

    private static readonly byte[] Greeting = "hi\n"u8.ToArray();

    /// <summary>µs from a new socket to the server's whole greeting.</summary>
    private static double ConnectToGreeting(int port)
    {
        Span<byte> buffer = stackalloc byte[8];
        long start = Stopwatch.GetTimestamp();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 10_000 };
        socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
        int got = 0;
        while (got < Greeting.Length)
        {
            int n = socket.Receive(buffer[got..Greeting.Length]);
            if (n == 0) throw new InvalidOperationException($"the server on port {port} closed the connection before its greeting");
            got += n;
        }
        double micros = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        if (!buffer[..got].SequenceEqual(Greeting)) throw new InvalidOperationException($"unexpected greeting from port {port}");
        socket.LingerState = new LingerOption(true, 0);
        return micros;
    }

    /// <summary>
    /// loadgen echo; server CPU (and Redis commands and store calls, when <paramref name="redis"/> is set) are sampled
    /// just inside loadgen's measured window: from its "connected" line + warm-up, to the window's end.
    /// </summary>
    private static async Task<ClusterEchoResult> RunEchoAsync(string loadgen, ChildServer server, RedisProcess? redis, Scenario sc, double seconds)
    {
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = ChildProcesses.RunLoadgenAsync(loadgen, new[]
        {
            "echo", "--port", server.Port.ToString(CultureInfo.InvariantCulture), "--conns", sc.Conns.ToString(CultureInfo.InvariantCulture),
            "--size", sc.Size.ToString(CultureInfo.InvariantCulture), "--depth", sc.Depth.ToString(CultureInfo.InvariantCulture),
            "--seconds", seconds.ToString(CultureInfo.InvariantCulture), "--warmup", Warmup.ToString(CultureInfo.InvariantCulture),
        }, line => { if (line.Contains(" connected in ", StringComparison.Ordinal)) connected.TrySetResult(); });
        if (await Task.WhenAny(connected.Task, run).ConfigureAwait(false) != connected.Task)
            throw new InvalidOperationException($"loadgen echo ended before it connected: {(await run.ConfigureAwait(false)).Stdout}");
        var sinceConnected = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(Warmup + Margin)).ConfigureAwait(false);
        double cpuStart = ProcStats.CpuSeconds(server.Process.Id);
        long commandsStart = redis is null ? 0 : await redis.TotalCommandsProcessedAsync().ConfigureAwait(false);
        long storeStart = redis is null ? 0 : StoreOperations(await server.GetStatsLineAsync(fullCollection: false).ConfigureAwait(false));
        var window = Stopwatch.StartNew();
        TimeSpan untilWindowEnd = TimeSpan.FromSeconds(Warmup + seconds - Margin) - sinceConnected.Elapsed;
        if (untilWindowEnd > TimeSpan.Zero) await Task.Delay(untilWindowEnd).ConfigureAwait(false);
        double cpuEnd = ProcStats.CpuSeconds(server.Process.Id);
        double windowSeconds = window.Elapsed.TotalSeconds;
        RedisWork? work = null;
        if (redis is not null)
        {
            long storeEnd = StoreOperations(await server.GetStatsLineAsync(fullCollection: false).ConfigureAwait(false));
            long commandsEnd = await redis.TotalCommandsProcessedAsync().ConfigureAwait(false);
            work = new RedisWork(commandsEnd - commandsStart - 1, storeEnd - storeStart, windowSeconds); // - 1: the second INFO
        }
        var (json, rc) = await run.ConfigureAwait(false);
        if (rc != 0 || json.Length == 0) throw new InvalidOperationException($"loadgen echo failed (exit {rc}): {json}");
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        double msgsPerS = r.GetProperty("msgs_per_s").GetDouble();
        double windowMsgs = msgsPerS * windowSeconds; // messages echoed inside the sampled window, at the measured rate
        return new ClusterEchoResult(msgsPerS, r.GetProperty("mb_per_s").GetDouble(), r.GetProperty("lat_p50_us").GetDouble(), r.GetProperty("lat_p99_us").GetDouble(),
            windowMsgs > 0 ? (cpuEnd - cpuStart) * 1e6 / windowMsgs : double.NaN, work, json);
    }
}
