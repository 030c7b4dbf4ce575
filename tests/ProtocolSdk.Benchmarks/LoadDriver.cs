using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ProtocolSdk.Benchmarks;

/// <summary>
/// What a load-style mode runs: its echo scenarios, the server kinds it alternates by default, the kind its ratios are
/// against, and whether the report has the engine comparison's extra columns and tables (per-round ratios of latency,
/// CPU and idle memory; policies on against off).
/// </summary>
internal sealed record LoadPlan(string Mode, Scenario[] Scenarios, string[] DefaultKinds, int DefaultRounds, string Baseline, bool EngineReport)
{
    /// <summary><c>load</c>: ProtocolSdk against Kestrel (docs/performance.md, "Results").</summary>
    public static readonly LoadPlan Load = new("load",
        new Scenario[]
        {
            new("64 B messages, 64 connections x 16 in flight", 64, 64, 16),
            new("16 KiB messages, 64 connections x 1 in flight", 16 * 1024, 64, 1),
        },
        new[] { "sdk", "kestrel", "sdk-policies" }, 3, "kestrel", EngineReport: false);

    /// <summary><c>engine</c>: the I/O engines against a C epoll echo, Kestrel, and every policy on against none.</summary>
    public static readonly LoadPlan Engine = new("engine",
        new Scenario[]
        {
            new("64 B messages, 64 connections x 16 in flight", 64, 64, 16),
            new("16 KiB messages, 8 connections x 4 in flight", 16 * 1024, 8, 4),
        },
        new[] { ServerKinds.CEpoll, "sdk-epoll", "sdk-sockets", "kestrel", "sdk-policies" }, 5, ServerKinds.CEpoll, EngineReport: true);
}

internal sealed class LoadOptions
{
    private LoadOptions(LoadPlan plan)
    {
        Plan = plan;
        Rounds = plan.DefaultRounds;
    }

    public LoadPlan Plan { get; }
    public double Seconds { get; private set; } = 5;
    public int Rounds { get; private set; }
    public int IdleConns { get; private set; } = 5000;
    public int IdleSeconds { get; private set; } = 8;

    /// <summary>Each idle connection first sends a 16-byte hello and reads its echo (<c>loadgen idle --hello</c>), so the server has read from it.</summary>
    public bool IdleHello { get; private set; }

    /// <summary>
    /// Hold and release the same number of idle connections once before the measured hold (default on), so the
    /// measurement is what each connection costs, not what the runtime spends once on the accept path's first use (tiered
    /// JIT: about 2 MB of native memory on this machine). <c>--no-idle-warmup</c> measures the first hold instead.
    /// </summary>
    public bool IdleWarmup { get; private set; } = true;
    public string? Loadgen { get; private set; }
    public string? Out { get; private set; }
    public string? Svg { get; private set; }
    /// <summary><c>--c-echo PATH</c>: a C echo built already (otherwise the driver builds native/epoll-echo.c).</summary>
    public string? CEcho { get; private set; }
    /// <summary><c>--c-threads N</c>: the C echo's threads (default: one per core).</summary>
    public int CThreads { get; private set; } = Environment.ProcessorCount;
    public List<string> Kinds { get; } = new();

    public static LoadOptions Parse(string[] args, LoadPlan plan)
    {
        var o = new LoadOptions(plan);
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--seconds": o.Seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--rounds": o.Rounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--idle-conns": o.IdleConns = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--idle-seconds": o.IdleSeconds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--idle-hello": o.IdleHello = true; break;
                case "--no-idle-warmup": o.IdleWarmup = false; break;
                case "--loadgen": o.Loadgen = Next(); break;
                case "--out": o.Out = Next(); break;
                case "--svg": o.Svg = Next(); break;
                case "--c-echo": o.CEcho = Next(); break;
                case "--c-threads": o.CThreads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--kinds": o.Kinds.AddRange(Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)); break;
                default: throw new ArgumentException($"unknown {plan.Mode} option {args[i]}");
            }
        }
        if (o.Seconds <= 0 || o.Rounds <= 0 || o.IdleConns < 0 || o.IdleSeconds <= 0 || o.CThreads <= 0) throw new ArgumentException("--seconds, --rounds, --idle-seconds, --c-threads must be positive");
        if (o.Kinds.Count == 0) o.Kinds.AddRange(plan.DefaultKinds);
        foreach (var k in o.Kinds)
        {
            if (!ServerKinds.IsKnown(k)) throw new ArgumentException($"unknown server kind {k} (known: {ServerKinds.Names})");
        }
        return o;
    }
}

internal sealed record Scenario(string Name, int Size, int Conns, int Depth);

internal sealed record EchoResult(double MsgsPerS, double MBPerS, double P50, double P99, double CpuUsPerMsg, string Json);

/// <summary>Idle run: server RSS before and while held; <c>Accepted</c> = server file descriptors added (one per accepted connection).</summary>
internal sealed record IdleResult(long RssBefore, long RssHeld, int Connected, int Accepted, string Json)
{
    public double BytesPerConn => Accepted <= 0 ? double.NaN : (double)(RssHeld - RssBefore) / Accepted;
}

/// <summary>
/// Runs each server kind as a child process (of this executable, or the C echo) and drives it with the C loadgen,
/// alternating kinds (A B C A B C ...) across rounds so that background load on a shared machine hits all of them
/// alike. The <c>load</c> and <c>engine</c> modes differ only in their <see cref="LoadPlan"/>.
/// </summary>
internal static class LoadDriver
{
    public static async Task<int> RunAsync(LoadOptions o)
    {
        Scenario[] scenarios = o.Plan.Scenarios;
        string? loadgen = ChildProcesses.FindLoadgen(o.Loadgen, "gcc -O2 -pthread -o loadgen loadgen.c");
        if (loadgen is null) return 2;
        string? cEcho = null;
        if (o.Kinds.Contains(ServerKinds.CEpoll) && (cEcho = await ServerKinds.BuildCEchoAsync(o.CEcho).ConfigureAwait(false)) is null) return 2;

        Console.CancelKeyPress += (_, e) => { ChildProcesses.KillAll(); };
        var echo = new Dictionary<(int Scenario, string Kind), List<EchoResult>>();
        var idle = new Dictionary<string, List<IdleResult>>();
        bool failed = false;
        var log = new StringBuilder();
        try
        {
            for (int round = 1; round <= o.Rounds; round++)
            {
                foreach (string kind in o.Kinds)
                {
                    Console.Error.WriteLine($"round {round}/{o.Rounds}: {kind}");
                    var server = await ServerKinds.StartAsync(kind, cEcho, o.CThreads).ConfigureAwait(false);
                    int port = server.Port;
                    try
                    {
                        for (int s = 0; s < scenarios.Length; s++)
                        {
                            var sc = scenarios[s];
                            var r = await RunEchoAsync(loadgen, server, port, sc, o.Seconds).ConfigureAwait(false);
                            log.AppendLine(CultureInfo.InvariantCulture, $"round {round} {kind} size={sc.Size}: {r.Json}");
                            Console.Error.WriteLine($"  {sc.Size,5} B: {r.MsgsPerS,12:N0} msgs/s  {r.MBPerS,8:N1} MB/s  p50 {r.P50} us  p99 {r.P99} us  cpu {r.CpuUsPerMsg:N2} us/msg");
                            if (!RunResults.CheckEcho(r.Json, sc)) failed = true;
                            RunResults.Add(echo, (s, kind), r);
                        }
                        if (o.IdleConns > 0)
                        {
                            var ir = await RunIdleAsync(loadgen, server, port, o.IdleConns, o.IdleSeconds, o.IdleHello, o.IdleWarmup).ConfigureAwait(false);
                            log.AppendLine(CultureInfo.InvariantCulture, $"round {round} {kind} idle: rss_before={ir.RssBefore} rss_held={ir.RssHeld} server_accepted={ir.Accepted} {ir.Json}");
                            Console.Error.WriteLine($"  idle: {ir.Connected} conns, server holds {ir.Accepted}, RSS {ir.RssBefore / 1024} -> {ir.RssHeld / 1024} KiB = {ir.BytesPerConn:N0} B/conn");
                            if (ir.Connected != o.IdleConns) { Console.Error.WriteLine($"  idle: {ir.Connected} of {o.IdleConns} connected, {ir.Accepted} held by the server"); failed = true; }
                            RunResults.Add(idle, kind, ir);
                        }
                    }
                    finally
                    {
                        await ChildProcesses.StopServerAsync(server).ConfigureAwait(false);
                    }
                }
            }
        }
        finally
        {
            ChildProcesses.KillAll();
        }

        string report = LoadReport.Build(o, echo, idle);
        Console.WriteLine(report);
        if (o.Out is not null)
        {
            await File.WriteAllTextAsync(o.Out, report + "\n<details><summary>raw loadgen output</summary>\n\n```\n" + log + "```\n</details>\n").ConfigureAwait(false);
            Console.Error.WriteLine($"written to {o.Out}");
        }
        if (o.Svg is not null)
        {
            string what = o.Plan.EngineReport ? "ProtocolSdk I/O engines vs Kestrel and a C epoll echo" : "ProtocolSdk vs Kestrel";
            string caption = $"{what}, loopback echo: {DateTime.UtcNow:yyyy-MM-dd}, {o.Rounds} rounds, medians";
            await File.WriteAllTextAsync(o.Svg, ComparisonChart.ToSvg(ComparisonChart.FromMarkdown(report), caption)).ConfigureAwait(false);
            Console.Error.WriteLine($"chart written to {o.Svg}");
        }
        return failed ? 1 : 0;
    }

    // ---- Measurements ---------------------------------------------------------------------------

    private static async Task<EchoResult> RunEchoAsync(string loadgen, ChildServer server, int port, Scenario sc, double seconds)
    {
        // CPU is sampled over the whole loadgen run (1 s warm-up included); messages are scaled to match.
        double cpuBefore = ProcStats.CpuSeconds(server.Process.Id);
        var sw = Stopwatch.StartNew();
        var (json, rc) = await ChildProcesses.RunLoadgenAsync(loadgen, new[]
        {
            "echo", "--port", port.ToString(CultureInfo.InvariantCulture), "--conns", sc.Conns.ToString(CultureInfo.InvariantCulture),
            "--size", sc.Size.ToString(CultureInfo.InvariantCulture), "--depth", sc.Depth.ToString(CultureInfo.InvariantCulture),
            "--seconds", seconds.ToString(CultureInfo.InvariantCulture), "--warmup", "1",
        }).ConfigureAwait(false);
        double wall = sw.Elapsed.TotalSeconds;
        double cpu = ProcStats.CpuSeconds(server.Process.Id) - cpuBefore;
        if (rc != 0 || json.Length == 0) throw new InvalidOperationException($"loadgen echo failed (exit {rc}): {json}");
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        double msgsPerS = r.GetProperty("msgs_per_s").GetDouble();
        double approxMsgs = msgsPerS * wall; // messages over the whole run, at the measured rate
        return new EchoResult(msgsPerS, r.GetProperty("mb_per_s").GetDouble(), r.GetProperty("lat_p50_us").GetDouble(),
            r.GetProperty("lat_p99_us").GetDouble(), approxMsgs > 0 ? cpu * 1e6 / approxMsgs : double.NaN, json);
    }

    private static async Task<IdleResult> RunIdleAsync(string loadgen, ChildServer server, int port, int conns, int seconds, bool hello, bool warmup)
    {
        if (warmup)
        {
            var warm = new List<string> { "idle", "--port", port.ToString(CultureInfo.InvariantCulture), "--conns", conns.ToString(CultureInfo.InvariantCulture), "--seconds", "3" };
            if (hello) warm.AddRange(new[] { "--hello", "--size", "16" });
            await ChildProcesses.RunLoadgenAsync(loadgen, warm).ConfigureAwait(false);
        }
        await Task.Delay(1000).ConfigureAwait(false); // let the echo runs' (and the warm-up's) connections close
        long before = ProcStats.RssBytes(server.Process.Id);
        int fdsBefore = ProcStats.FdCount(server.Process.Id);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var args = new List<string>
        {
            "idle", "--port", port.ToString(CultureInfo.InvariantCulture), "--conns", conns.ToString(CultureInfo.InvariantCulture),
            "--seconds", seconds.ToString(CultureInfo.InvariantCulture),
        };
        if (hello) args.AddRange(new[] { "--hello", "--size", "16" });
        var run = ChildProcesses.RunLoadgenAsync(loadgen, args.ToArray(), line => { if (line.Contains("holding", StringComparison.Ordinal)) holding.TrySetResult(); });
        var first = await Task.WhenAny(holding.Task, run).ConfigureAwait(false);
        if (first != holding.Task) throw new InvalidOperationException("loadgen idle ended before holding its connections");
        // The handshakes are done (kernel backlog); wait until the server accepted them all (one fd each),
        // then a little longer for its per-connection setup, before sampling.
        var deadline = Stopwatch.StartNew();
        while (ProcStats.FdCount(server.Process.Id) - fdsBefore < conns && deadline.Elapsed.TotalSeconds < seconds - 1.5)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }
        await Task.Delay(500).ConfigureAwait(false);
        long held = ProcStats.RssBytes(server.Process.Id);
        int accepted = ProcStats.FdCount(server.Process.Id) - fdsBefore;
        var (json, rc) = await run.ConfigureAwait(false);
        if (rc != 0 || json.Length == 0) throw new InvalidOperationException($"loadgen idle failed (exit {rc}): {json}");
        using var doc = JsonDocument.Parse(json);
        int connected = doc.RootElement.GetProperty("connected").GetInt32();
        if (accepted < connected) Console.Error.WriteLine($"  idle: the server held only {accepted} of {connected} connections when sampled");
        return new IdleResult(before, held, connected, accepted, json);
    }
}
