using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ProtocolSdk.Benchmarks;

internal sealed class TlsLoadOptions
{
    public double Seconds { get; private set; } = 5;
    public int Rounds { get; private set; } = 3;
    public int IdleConns { get; private set; } = 5000;
    public int IdleSeconds { get; private set; } = 8;
    public int Handshakes { get; private set; } = 1000;
    public bool PlainIdle { get; private set; } = true;
    /// <summary>Also run the SDK's server on SslStream (kind <c>sdk-sslstream</c>): the two TLS engines in the same run.</summary>
    public bool WithSslStream { get; private set; }
    public string? Loadgen { get; private set; }
    public string? Out { get; private set; }

    public static TlsLoadOptions Parse(string[] args)
    {
        var o = new TlsLoadOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--seconds": o.Seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--rounds": o.Rounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--idle-conns": o.IdleConns = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--idle-seconds": o.IdleSeconds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--handshakes": o.Handshakes = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--no-plain-idle": o.PlainIdle = false; break;
                case "--with-sslstream": o.WithSslStream = true; break;
                case "--loadgen": o.Loadgen = Next(); break;
                case "--out": o.Out = Next(); break;
                default: throw new ArgumentException($"unknown tls option {args[i]}");
            }
        }
        if (o.Seconds < 1 || o.Rounds <= 0 || o.IdleConns < 0 || o.IdleSeconds < 4 || o.Handshakes < 0)
            throw new ArgumentException("--seconds must be at least 1, --idle-seconds at least 4, --rounds positive");
        return o;
    }
}

/// <summary>A TLS echo run: rates from loadgen; CPU and managed allocation over the measured window only.</summary>
internal sealed record TlsEchoResult(double MsgsPerS, double MBPerS, double P50, double P99, double CpuUsPerMsg, double AllocatedBytesPerMsg, string Json);

internal sealed record HandshakeResult(double Seconds, int Failed, double ServerCpuMsPerHandshake, string Json);

/// <summary>Idle connections: RSS as found and after a full collection, live managed heap, all before and while held.</summary>
internal sealed record IdleMemoryResult(long RssBefore, long RssHeld, long RssBeforeCollected, long RssHeldCollected, long LiveBefore, long LiveHeld, int Connected, int Accepted, string Json)
{
    /// <summary>glibc's heap (<c>mallinfo2</c>, after the full collections) before and while held: in use, and freed but kept.</summary>
    public (double InUse, double Free) NativeBefore { get; init; } = (double.NaN, double.NaN);
    public (double InUse, double Free) NativeHeld { get; init; } = (double.NaN, double.NaN);
    /// <summary>Native heap in use per connection: OpenSSL's state (for TLS) and whatever else native code keeps per connection.</summary>
    public double NativeInUsePerConn => PerConnD(NativeHeld.InUse - NativeBefore.InUse);
    /// <summary>Freed native heap the process keeps per connection (resident until reused or trimmed).</summary>
    public double NativeFreePerConn => PerConnD(NativeHeld.Free - NativeBefore.Free);
    private double PerConnD(double bytes) => Accepted <= 0 ? double.NaN : bytes / Accepted;
    public double BytesPerConn => PerConn(RssHeld - RssBefore);
    public double CollectedBytesPerConn => PerConn(RssHeldCollected - RssBeforeCollected);
    public double LiveManagedPerConn => PerConn(LiveHeld - LiveBefore);
    /// <summary>What is resident but not managed: native state (OpenSSL's for TLS), runtime structures, allocator slack.</summary>
    public double NonManagedPerConn => CollectedBytesPerConn - LiveManagedPerConn;
    private double PerConn(long bytes) => Accepted <= 0 ? double.NaN : (double)bytes / Accepted;
}

/// <summary>
/// The TLS benchmark (issue 12): ProtocolSdk's TLS echo against Kestrel's (<c>UseHttps</c> + <c>UseConnectionHandler</c>),
/// same certificate, TLS 1.3, same loadgen, alternating sdk, kestrel in every round. Per round and server:
/// echo 64 B x 64 x 16 and 16 KiB x 8 x 4, N handshakes, idle memory per TLS connection, and (for the cost of TLS
/// itself) idle memory per plaintext connection of the same server.
/// </summary>
internal static class TlsLoadDriver
{
    private static readonly Scenario[] Scenarios =
    {
        new("64 B messages, 64 connections x 16 in flight", 64, 64, 16),
        new("16 KiB messages, 8 connections x 4 in flight", 16 * 1024, 8, 4),
    };

    private static readonly string[] DefaultKinds = { "sdk", "kestrel" };
    private static readonly string[] KindsWithSslStream = { "sdk", "sdk-sslstream", "kestrel" };

    /// <summary>The TLS server of a kind: <c>sdk-sslstream</c> is <c>serve-sdk-tls</c> with the SDK's own engine off.</summary>
    private static Task<ChildServer> StartTlsServerAsync(string kind, string certificate) => kind == "sdk-sslstream"
        ? ChildProcesses.StartModeAsync(kind, "serve-sdk-tls", new[] { "--cert", certificate, "--tls-engine", "sslstream" })
        : ChildProcesses.StartServerAsync(kind + "-tls", "--cert", certificate);

    /// <summary>Handshakes of thousands of connections at once on 2 shared cores take longer than loadgen's 5 s default.</summary>
    private const string ConnectTimeoutSeconds = "120";

    public static async Task<int> RunAsync(TlsLoadOptions o)
    {
        string? loadgen = ChildProcesses.FindLoadgen(o.Loadgen, "gcc -O2 -pthread -DLOADGEN_TLS -o loadgen loadgen.c -lssl -lcrypto");
        if (loadgen is null) return 2;
        if (!await LoadgenSpeaksTlsAsync(loadgen).ConfigureAwait(false))
        {
            Console.Error.WriteLine($"{loadgen} was built without TLS: install libssl-dev and build it with -DLOADGEN_TLS ... -lssl -lcrypto (see docs/performance.md)");
            return 2;
        }

        Console.CancelKeyPress += (_, _) => ChildProcesses.KillAll();
        string[] Kinds = o.WithSslStream ? KindsWithSslStream : DefaultKinds;
        string certificate = BenchmarkCertificate.CreatePfxFile();
        var echo = new Dictionary<(int Scenario, string Kind), List<TlsEchoResult>>();
        var handshakes = new Dictionary<string, List<HandshakeResult>>();
        var idleTls = new Dictionary<string, List<IdleMemoryResult>>();
        var idlePlain = new Dictionary<string, List<IdleMemoryResult>>();
        bool failed = false;
        var log = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        try
        {
            for (int round = 1; round <= o.Rounds; round++)
            {
                foreach (string kind in Kinds)
                {
                    Console.Error.WriteLine($"round {round}/{o.Rounds}: {kind}-tls");
                    var server = await StartTlsServerAsync(kind, certificate).ConfigureAwait(false);
                    try
                    {
                        for (int s = 0; s < Scenarios.Length; s++)
                        {
                            var r = await RunEchoAsync(loadgen, server, Scenarios[s], o.Seconds).ConfigureAwait(false);
                            log.AppendLine(c, $"round {round} {kind} size={Scenarios[s].Size}: cpu_us_per_msg={r.CpuUsPerMsg:F3} alloc_b_per_msg={r.AllocatedBytesPerMsg:F1} {r.Json}");
                            Console.Error.WriteLine($"  {Scenarios[s].Size,5} B: {r.MsgsPerS,10:N0} msgs/s {r.MBPerS,7:N1} MB/s p50 {r.P50} us p99 {r.P99} us cpu {r.CpuUsPerMsg:N2} us/msg alloc {r.AllocatedBytesPerMsg:N1} B/msg");
                            if (!RunResults.CheckEcho(r.Json, Scenarios[s])) failed = true;
                            RunResults.Add(echo, (s, kind), r);
                        }
                        if (o.Handshakes > 0)
                        {
                            var h = await RunHandshakesAsync(loadgen, server, o.Handshakes).ConfigureAwait(false);
                            log.AppendLine(c, $"round {round} {kind} handshakes: server_cpu_ms_per_handshake={h.ServerCpuMsPerHandshake:F3} {h.Json}");
                            Console.Error.WriteLine($"  {o.Handshakes} handshakes: {h.Seconds:N3} s, {h.Failed} failed, server {h.ServerCpuMsPerHandshake:N2} ms CPU each");
                            if (h.Failed != 0) failed = true;
                            RunResults.Add(handshakes, kind, h);
                        }
                        if (o.IdleConns > 0)
                        {
                            var ir = await RunIdleAsync(loadgen, server, o.IdleConns, o.IdleSeconds, tls: true).ConfigureAwait(false);
                            log.AppendLine(c, $"round {round} {kind} idle tls: {Describe(ir)} {ir.Json}");
                            Console.Error.WriteLine($"  idle tls: {Describe(ir)}");
                            if (ir.Connected != o.IdleConns) failed = true;
                            RunResults.Add(idleTls, kind, ir);
                        }
                    }
                    finally
                    {
                        await ChildProcesses.StopServerAsync(server).ConfigureAwait(false);
                    }
                    if (o.PlainIdle && o.IdleConns > 0 && kind != "sdk-sslstream") // the same plaintext server as sdk
                    {
                        Console.Error.WriteLine($"round {round}/{o.Rounds}: {kind} (plaintext, idle only)");
                        var plain = await ChildProcesses.StartServerAsync(kind).ConfigureAwait(false);
                        try
                        {
                            var ir = await RunIdleAsync(loadgen, plain, o.IdleConns, o.IdleSeconds, tls: false).ConfigureAwait(false);
                            log.AppendLine(c, $"round {round} {kind} idle plaintext: {Describe(ir)} {ir.Json}");
                            Console.Error.WriteLine($"  idle plaintext: {Describe(ir)}");
                            if (ir.Connected != o.IdleConns) failed = true;
                            RunResults.Add(idlePlain, kind, ir);
                        }
                        finally
                        {
                            await ChildProcesses.StopServerAsync(plain).ConfigureAwait(false);
                        }
                    }
                }
            }
        }
        finally
        {
            ChildProcesses.KillAll();
            File.Delete(certificate);
        }

        string report = TlsReport.Build(o, Scenarios, Kinds, echo, handshakes, idleTls, idlePlain);
        Console.WriteLine(report);
        if (o.Out is not null)
        {
            await File.WriteAllTextAsync(o.Out, report + "\n<details><summary>raw loadgen output</summary>\n\n```\n" + log + "```\n</details>\n").ConfigureAwait(false);
            Console.Error.WriteLine($"written to {o.Out}");
        }
        return failed ? 1 : 0;
    }

    private static string Describe(IdleMemoryResult r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.Connected} conns, server holds {r.Accepted}, RSS {r.RssBefore / 1024} -> {r.RssHeld / 1024} KiB = {r.BytesPerConn:F0} B/conn; after a full GC {r.CollectedBytesPerConn:F0} B/conn, live managed {r.LiveManagedPerConn:F0} B/conn, native heap in use {r.NativeInUsePerConn:F0} B/conn, native heap freed but kept {r.NativeFreePerConn:F0} B/conn");

    /// <summary>A loadgen built without OpenSSL refuses <c>--tls</c> with a note; one built with it reports a failed connect.</summary>
    private static async Task<bool> LoadgenSpeaksTlsAsync(string loadgen)
    {
        var notes = new StringBuilder();
        await ChildProcesses.RunLoadgenAsync(loadgen, new[] { "idle", "--tls", "--port", "1", "--conns", "1", "--seconds", "0.1", "--connect-timeout", "1" },
            line => { lock (notes) notes.AppendLine(line); }).ConfigureAwait(false);
        lock (notes) return !notes.ToString().Contains("built without TLS", StringComparison.Ordinal);
    }

    /// <summary>
    /// loadgen's window starts when its handshakes are done (it says so on stderr) plus the warm-up; CPU and allocation
    /// are sampled just inside that window, so the 64 handshakes and the warm-up are not charged to the messages.
    /// </summary>
    private static async Task<TlsEchoResult> RunEchoAsync(string loadgen, ChildServer server, Scenario sc, double seconds)
    {
        const double Warmup = 1, Margin = 0.1;
        var handshakesDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = ChildProcesses.RunLoadgenAsync(loadgen, new[]
        {
            "echo", "--tls", "--port", server.Port.ToString(CultureInfo.InvariantCulture), "--conns", sc.Conns.ToString(CultureInfo.InvariantCulture),
            "--size", sc.Size.ToString(CultureInfo.InvariantCulture), "--depth", sc.Depth.ToString(CultureInfo.InvariantCulture),
            "--seconds", seconds.ToString(CultureInfo.InvariantCulture), "--warmup", Warmup.ToString(CultureInfo.InvariantCulture),
            "--connect-timeout", ConnectTimeoutSeconds,
        }, line => { if (line.Contains("TLS handshakes done", StringComparison.Ordinal)) handshakesDone.TrySetResult(); });
        if (await Task.WhenAny(handshakesDone.Task, run).ConfigureAwait(false) != handshakesDone.Task)
            throw new InvalidOperationException($"loadgen echo --tls ended before its handshakes were done: {(await run.ConfigureAwait(false)).Stdout}");
        var sinceHandshakes = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(Warmup + Margin)).ConfigureAwait(false);
        double cpuStart = ProcStats.CpuSeconds(server.Process.Id);
        var (allocatedStart, _) = await server.GetStatsAsync(fullCollection: false).ConfigureAwait(false);
        var window = Stopwatch.StartNew();
        TimeSpan untilWindowEnd = TimeSpan.FromSeconds(Warmup + seconds - Margin) - sinceHandshakes.Elapsed;
        if (untilWindowEnd > TimeSpan.Zero) await Task.Delay(untilWindowEnd).ConfigureAwait(false); // a slow stats reply can eat it up
        double cpuEnd = ProcStats.CpuSeconds(server.Process.Id);
        var (allocatedEnd, _) = await server.GetStatsAsync(fullCollection: false).ConfigureAwait(false);
        double windowSeconds = window.Elapsed.TotalSeconds;
        var (json, rc) = await run.ConfigureAwait(false);
        if (rc != 0 || json.Length == 0) throw new InvalidOperationException($"loadgen echo --tls failed (exit {rc}): {json}");
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        double msgsPerS = r.GetProperty("msgs_per_s").GetDouble();
        double windowMsgs = msgsPerS * windowSeconds; // messages echoed inside the sampled window, at the measured rate
        return new TlsEchoResult(msgsPerS, r.GetProperty("mb_per_s").GetDouble(), r.GetProperty("lat_p50_us").GetDouble(), r.GetProperty("lat_p99_us").GetDouble(),
            windowMsgs > 0 ? (cpuEnd - cpuStart) * 1e6 / windowMsgs : double.NaN,
            windowMsgs > 0 ? (allocatedEnd - allocatedStart) / windowMsgs : double.NaN, json);
    }

    /// <summary><paramref name="count"/> connections handshake at once (loadgen idle --tls); loadgen times them, /proc gives the server's CPU.</summary>
    private static async Task<HandshakeResult> RunHandshakesAsync(string loadgen, ChildServer server, int count)
    {
        double cpuBefore = ProcStats.CpuSeconds(server.Process.Id);
        var (json, rc) = await ChildProcesses.RunLoadgenAsync(loadgen, new[]
        {
            "idle", "--tls", "--port", server.Port.ToString(CultureInfo.InvariantCulture), "--conns", count.ToString(CultureInfo.InvariantCulture),
            "--seconds", "0.5", "--connect-timeout", ConnectTimeoutSeconds,
        }).ConfigureAwait(false);
        double cpu = ProcStats.CpuSeconds(server.Process.Id) - cpuBefore;
        if (rc != 0 || json.Length == 0) throw new InvalidOperationException($"loadgen idle --tls failed (exit {rc}): {json}");
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        return new HandshakeResult(r.GetProperty("tls_handshake_s").GetDouble(), r.GetProperty("tls_failed").GetInt32(), cpu * 1e3 / count, json);
    }

    /// <summary>
    /// As the plaintext benchmark's idle run (RSS before, hold N connections, RSS once the server holds them all), plus
    /// a full collection after each RSS sample: the live managed heap, and RSS without garbage the handshakes left.
    /// </summary>
    private static async Task<IdleMemoryResult> RunIdleAsync(string loadgen, ChildServer server, int conns, int seconds, bool tls)
    {
        int pid = server.Process.Id;
        await Task.Delay(1000).ConfigureAwait(false); // let the previous runs' connections close
        long rssBefore = ProcStats.RssBytes(pid);
        string statsBefore = await server.GetStatsLineAsync(fullCollection: true).ConfigureAwait(false);
        var (_, liveBefore) = ServerStats.Parse(statsBefore);
        long rssBeforeCollected = ProcStats.RssBytes(pid);
        int fdsBefore = ProcStats.FdCount(pid);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var args = new List<string>
        {
            "idle", "--port", server.Port.ToString(CultureInfo.InvariantCulture), "--conns", conns.ToString(CultureInfo.InvariantCulture),
            "--seconds", seconds.ToString(CultureInfo.InvariantCulture), "--connect-timeout", ConnectTimeoutSeconds,
        };
        if (tls) args.Insert(1, "--tls");
        var run = ChildProcesses.RunLoadgenAsync(loadgen, args, line => { if (line.Contains("holding", StringComparison.Ordinal)) holding.TrySetResult(); });
        if (await Task.WhenAny(holding.Task, run).ConfigureAwait(false) != holding.Task)
            throw new InvalidOperationException("loadgen idle ended before holding its connections");
        // loadgen holds once its side of every handshake is done; wait until the server accepted them all (one fd
        // each), then a little longer for the server's side of the last handshakes and its per-connection setup.
        var deadline = Stopwatch.StartNew();
        while (ProcStats.FdCount(pid) - fdsBefore < conns && deadline.Elapsed.TotalSeconds < seconds - 3)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }
        await Task.Delay(1000).ConfigureAwait(false);
        long rssHeld = ProcStats.RssBytes(pid);
        int accepted = ProcStats.FdCount(pid) - fdsBefore;
        string statsHeld = await server.GetStatsLineAsync(fullCollection: true).ConfigureAwait(false);
        var (_, liveHeld) = ServerStats.Parse(statsHeld);
        long rssHeldCollected = ProcStats.RssBytes(pid);
        var (json, rc) = await run.ConfigureAwait(false);
        if (rc != 0 || json.Length == 0) throw new InvalidOperationException($"loadgen idle failed (exit {rc}): {json}");
        using var doc = JsonDocument.Parse(json);
        int connected = doc.RootElement.GetProperty("connected").GetInt32();
        int stillOpen = doc.RootElement.GetProperty("still_open").GetInt32();
        if (accepted < connected) Console.Error.WriteLine($"  idle: the server held only {accepted} of {connected} connections when sampled");
        if (stillOpen < connected) Console.Error.WriteLine($"  idle: only {stillOpen} of {connected} connections were still open at the end");
        static (double, double) Native(string stats) => (ServerStats.ParseField(stats, "native_in_use"), ServerStats.ParseField(stats, "native_free"));
        return new IdleMemoryResult(rssBefore, rssHeld, rssBeforeCollected, rssHeldCollected, liveBefore, liveHeld, connected, accepted, json)
        {
            NativeBefore = Native(statsBefore),
            NativeHeld = Native(statsHeld),
        };
    }
}
