using System.Globalization;
using System.Text;

namespace ProtocolSdk.Benchmarks;

/// <summary>The Markdown tables of the <c>cluster</c> benchmark: medians, per-round values, what the store adds, the issue's targets.</summary>
internal static class ClusterReport
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static string Build(ClusterLoadOptions o, List<AdmissionRound> admission, Dictionary<(int Scenario, string Kind), List<ClusterEchoResult>> echo)
    {
        var sb = new StringBuilder();
        sb.AppendLine(C, $"Runs: {o.Rounds} rounds; admission: {o.Connects} sequential connects per server kind per round, both kinds up at once and connected to in turn; echo: servers alternated in the order {string.Join(", ", ClusterLoadDriver.ThrottleKinds)} each round, loadgen echo {o.Seconds} s measured after 1 s warm-up, 1 loadgen thread; one redis-server {RedisVersion()} on loopback, persistence off; {Environment.ProcessorCount} cores shared by servers, Redis and loadgen; .NET {Environment.Version}.");
        sb.AppendLine();
        if (admission.Count > 0) AppendAdmission(sb, o, admission);
        for (int s = 0; s < ClusterLoadDriver.Scenarios.Length; s++) AppendEcho(sb, o, ClusterLoadDriver.Scenarios[s], kind => echo.GetValueOrDefault((s, kind)));
        if (echo.TryGetValue((ClusterLoadDriver.BitingScenario, ClusterLoadDriver.BitingKind), out var biting)) AppendBiting(sb, o, biting);
        return sb.ToString();
    }

    private static double Median<T>(IEnumerable<T> results, Func<T, double> value) => ProcStats.Median(results.Select(value));

    private static string PerRound<T>(IEnumerable<T> results, Func<T, double> value, string format) =>
        string.Join(" / ", results.Select(r => value(r).ToString(format, C)));

    private static void AppendAdmission(StringBuilder sb, ClusterLoadOptions o, List<AdmissionRound> rounds)
    {
        sb.AppendLine(C, $"#### Admission: connect to greeting, {o.Connects} sequential connections per kind per round (medians of {o.Rounds})");
        sb.AppendLine();
        sb.AppendLine("| measured | p50 µs | p99 µs | mean µs | p50 per round | p99 per round |");
        sb.AppendLine("|---|---:|---:|---:|---|---|");
        foreach (var (name, pick) in new (string, Func<AdmissionRound, AdmissionResult>)[]
        {
            ("sdk-local-admission: connect to greeting", r => r.Local),
            ("sdk-cluster-admission: connect to greeting", r => r.Cluster),
            ("Redis PING round trip from the driver, same loop", r => r.Ping),
        })
        {
            sb.AppendLine(C, $"| {name} | {Median(rounds, r => pick(r).P50):N0} | {Median(rounds, r => pick(r).P99):N0} | {Median(rounds, r => pick(r).Mean):N0} | {PerRound(rounds, r => pick(r).P50, "N0")} | {PerRound(rounds, r => pick(r).P99, "N0")} |");
        }
        sb.AppendLine(C, $"| store's own admission time in the server (`protocolsdk.cluster.admission.duration`) | {Median(rounds, r => r.StoreP50):N0} | {Median(rounds, r => r.StoreP99):N0} | | {PerRound(rounds, r => r.StoreP50, "N0")} | {PerRound(rounds, r => r.StoreP99, "N0")} |");
        sb.AppendLine();
        // Both kinds of a round were measured interleaved: the per-round difference cancels the background load.
        var addedP50 = rounds.Select(r => r.Cluster.P50 - r.Local.P50).ToList();
        var addedP99 = rounds.Select(r => r.Cluster.P99 - r.Local.P99).ToList();
        sb.AppendLine("| added by the store (cluster − local, per round) | median | per round | target (issue 13) |");
        sb.AppendLine("|---|---:|---|---:|");
        sb.AppendLine(C, $"| p50 | {ProcStats.Median(addedP50) / 1000:N3} ms | {string.Join(" / ", addedP50.Select(v => (v / 1000).ToString("N3", C)))} ms | ≤ 0.2 ms |");
        sb.AppendLine(C, $"| p99 | {ProcStats.Median(addedP99) / 1000:N3} ms | {string.Join(" / ", addedP99.Select(v => (v / 1000).ToString("N3", C)))} ms | ≤ 1 ms |");
        sb.AppendLine();
        sb.AppendLine(C, $"Redis during the admission runs: {Median(rounds, r => (double)r.Work.Commands / o.Connects):N2} commands per ClusterWide connection (INFO `total_commands_processed`, the driver's INFO and PINGs subtracted; per round {PerRound(rounds, r => (double)r.Work.Commands / o.Connects, "N2")}), {Median(rounds, r => (double)r.Work.StoreOperations / o.Connects):N2} store calls per connection (`protocolsdk.cluster.operations`), {Median(rounds, r => r.Work.CommandsPerSecond):N0} Redis commands/s from the one ClusterWide instance.");
        sb.AppendLine();
    }

    private static void AppendBiting(StringBuilder sb, ClusterLoadOptions o, List<ClusterEchoResult> list)
    {
        var work = list.Where(r => r.Redis is not null).Select(r => r.Redis!).ToList();
        sb.AppendLine(C, $"#### A ClusterWide per-peer throttle that bites: 20 MB/s, {ClusterLoadDriver.Scenarios[ClusterLoadDriver.BitingScenario].Name} (medians of {o.Rounds})");
        sb.AppendLine();
        sb.AppendLine("| server | MB/s echoed | per round | Redis commands/s | per round | store calls/s | per round |");
        sb.AppendLine("|---|---:|---|---:|---|---:|---|");
        sb.AppendLine(C, $"| {ClusterLoadDriver.BitingKind} | {Median(list, r => r.MBPerS):N1} | {PerRound(list, r => r.MBPerS, "N1")} | {Median(work, w => w.CommandsPerSecond):N1} | {PerRound(work, w => w.CommandsPerSecond, "N1")} | {Median(work, w => w.StoreOperationsPerSecond):N1} | {PerRound(work, w => w.StoreOperationsPerSecond, "N1")} |");
        sb.AppendLine();
    }

    private static void AppendEcho(StringBuilder sb, ClusterLoadOptions o, Scenario sc, Func<string, List<ClusterEchoResult>?> results)
    {
        if (results("sdk-local-throttle") is not { } local || results("sdk-cluster-throttle") is not { } cluster) return;
        sb.AppendLine(C, $"#### Echo behind a per-peer [Throttle] that never bites: {sc.Name} (medians of {o.Rounds})");
        sb.AppendLine();
        sb.AppendLine("| server | msgs/s | MB/s | p50 µs | p99 µs | server CPU µs/msg | msgs/s per round | CPU/msg per round |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---|---|");
        foreach (var (kind, list) in new[] { ("sdk-local-throttle", local), ("sdk-cluster-throttle", cluster) })
        {
            sb.AppendLine(C, $"| {kind} | {Median(list, r => r.MsgsPerS):N0} | {Median(list, r => r.MBPerS):N1} | {Median(list, r => r.P50):N0} | {Median(list, r => r.P99):N0} | {Median(list, r => r.CpuUsPerMsg):N2} | {PerRound(list, r => r.MsgsPerS, "N0")} | {PerRound(list, r => r.CpuUsPerMsg, "N2")} |");
        }
        sb.AppendLine();
        // Runs of one round are next to each other in time: their ratio cancels slow drifts of the background load.
        var ratios = cluster.Zip(local, (c, l) => c.MsgsPerS / l.MsgsPerS).ToList();
        var cpuRatios = cluster.Zip(local, (c, l) => c.CpuUsPerMsg / l.CpuUsPerMsg).ToList();
        var work = cluster.Where(r => r.Redis is not null).Select(r => r.Redis!).ToList();
        sb.AppendLine("| cluster / local | median of per-round ratios | per round | target (issue 13) |");
        sb.AppendLine("|---|---:|---|---:|");
        sb.AppendLine(C, $"| msgs/s | {ProcStats.Median(ratios):N2}x | {string.Join(" / ", ratios.Select(v => v.ToString("N2", C)))} | ≥ 0.97x |");
        sb.AppendLine(C, $"| server CPU µs/msg | {ProcStats.Median(cpuRatios):N2}x | {string.Join(" / ", cpuRatios.Select(v => v.ToString("N2", C)))} | |");
        sb.AppendLine();
        if (work.Count > 0)
        {
            sb.AppendLine(C, $"Redis during the ClusterWide echo (one instance, measured window): {Median(work, w => w.CommandsPerSecond):N1} commands/s (INFO `total_commands_processed`; per round {PerRound(work, w => w.CommandsPerSecond, "N1")}), {Median(work, w => w.StoreOperationsPerSecond):N1} store calls/s (per round {PerRound(work, w => w.StoreOperationsPerSecond, "N1")}).");
            sb.AppendLine();
        }
    }

    private static string RedisVersion()
    {
        try
        {
            var psi = new System.Diagnostics.ProcessStartInfo("redis-server", "--version") { RedirectStandardOutput = true, UseShellExecute = false };
            using var p = System.Diagnostics.Process.Start(psi);
            string text = p?.StandardOutput.ReadToEnd() ?? "";
            p?.WaitForExit();
            int v = text.IndexOf("v=", StringComparison.Ordinal);
            return v < 0 ? "" : text[(v + 2)..].Split(' ')[0];
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }
}
