using System.Globalization;
using System.Text;

namespace ProtocolSdk.Benchmarks;

/// <summary>
/// The Markdown tables of the <c>load</c> and <c>engine</c> modes: medians, per-round values and ratios against the
/// plan's baseline kind (Kestrel for <c>load</c>, the C epoll echo for <c>engine</c>). The <c>engine</c> report also
/// has per-round ratios of latency, CPU and idle memory, and a table of every policy on against none.
/// </summary>
internal static class LoadReport
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>(policies on, no policies) pairs the engine report compares when both kinds ran.</summary>
    private static readonly (string On, string Off)[] PolicyPairs =
    {
        ("sdk-policies", "sdk-epoll"),
        ("sdk-policies", "sdk"),
        ("sdk-policies-sockets", "sdk-sockets"),
    };

    private sealed record Column<TRow>(string Header, string Align, Func<TRow, string> Cell);

    private sealed record KindResults<T>(string Kind, List<T> List);

    public static string Build(LoadOptions o, Dictionary<(int Scenario, string Kind), List<EchoResult>> echo, Dictionary<string, List<IdleResult>> idle)
    {
        LoadPlan plan = o.Plan;
        var sb = new StringBuilder();
        sb.AppendLine(C, $"Runs: {o.Rounds} rounds, server kinds alternated in the order {string.Join(", ", o.Kinds)} each round; loadgen echo {o.Seconds} s measured after 1 s warm-up, 1 loadgen thread; {Environment.ProcessorCount} cores shared by server and loadgen; .NET {Environment.Version}.");
        string? inline = Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS");
        if (inline is not null) sb.AppendLine(C, $"DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS={inline}");
        if (plan.EngineReport)
        {
            sb.AppendLine();
            foreach (string kind in o.Kinds) sb.AppendLine(C, $"- `{kind}`: {ServerKinds.About(kind, o.CThreads)}");
            sb.AppendLine();
            sb.AppendLine(C, $"Columns \"(per-round)\" and \"median of per-round ratios\" are the median over rounds of kind / {plan.Baseline} (or policies on / off) within one round, where the runs are next to each other in time, so slow drifts of the background load cancel.");
        }
        sb.AppendLine();
        for (int s = 0; s < plan.Scenarios.Length; s++)
        {
            sb.AppendLine(C, $"### Echo: {plan.Scenarios[s].Name} (medians of {o.Rounds})");
            sb.AppendLine();
            AppendTable(sb, EchoColumns(plan, echo.GetValueOrDefault((s, plan.Baseline))), Rows(o.Kinds, kind => echo.GetValueOrDefault((s, kind))));
        }
        if (idle.Count > 0)
        {
            sb.AppendLine(C, $"### Memory per idle connection ({o.IdleConns} connections{(o.IdleHello ? " that each sent a 16-byte hello and read its echo," : "")} held {o.IdleSeconds} s{(o.IdleWarmup ? " after a first hold of as many" : ", the server's first hold")}, VmRSS delta / connections, medians of {o.Rounds})");
            sb.AppendLine();
            AppendTable(sb, IdleColumns(plan, idle.GetValueOrDefault(plan.Baseline)), Rows(o.Kinds, idle.GetValueOrDefault));
        }
        if (plan.EngineReport) AppendPolicies(sb, o, echo, idle);
        return sb.ToString();
    }

    private static List<Column<KindResults<EchoResult>>> EchoColumns(LoadPlan plan, List<EchoResult>? baseline)
    {
        string vs = DisplayName(plan.Baseline);
        var columns = new List<Column<KindResults<EchoResult>>>
        {
            new("server", "---", r => r.Kind),
            new("msgs/s", "---:", r => Median(r.List, x => x.MsgsPerS).ToString("N0", C)),
            new("MB/s", "---:", r => Median(r.List, x => x.MBPerS).ToString("N1", C)),
            new("p50 µs", "---:", r => Median(r.List, x => x.P50).ToString("N0", C)),
            new("p99 µs", "---:", r => Median(r.List, x => x.P99).ToString("N0", C)),
            new("server CPU µs/msg", "---:", r => Median(r.List, x => x.CpuUsPerMsg).ToString("N2", C)),
            new("msgs/s per round", "---", r => PerRound(r.List, x => x.MsgsPerS, "N0")),
            new($"msgs/s vs {vs} (medians)", "---:", r => Times(Median(r.List, x => x.MsgsPerS) / Median(baseline, x => x.MsgsPerS))),
            // Runs of one round are next to each other in time: their ratio cancels slow drifts of the background load.
            new("median of per-round ratios", "---:", r => Times(Paired(r.List, baseline, x => x.MsgsPerS))),
        };
        if (plan.EngineReport)
        {
            columns.Add(new($"p50 vs {vs} (per-round)", "---:", r => Times(Paired(r.List, baseline, x => x.P50))));
            columns.Add(new($"p99 vs {vs} (per-round)", "---:", r => Times(Paired(r.List, baseline, x => x.P99))));
            columns.Add(new($"CPU/msg vs {vs} (per-round)", "---:", r => Times(Paired(r.List, baseline, x => x.CpuUsPerMsg))));
            columns.Add(new("CPU/msg per round", "---", r => PerRound(r.List, x => x.CpuUsPerMsg, "N2")));
        }
        else
        {
            columns.Add(new($"CPU/msg vs {vs}", "---:", r => Times(Median(r.List, x => x.CpuUsPerMsg) / Median(baseline, x => x.CpuUsPerMsg))));
        }
        return columns;
    }

    private static List<Column<KindResults<IdleResult>>> IdleColumns(LoadPlan plan, List<IdleResult>? baseline)
    {
        string vs = DisplayName(plan.Baseline);
        var columns = new List<Column<KindResults<IdleResult>>>
        {
            new("server", "---", r => r.Kind),
            new("RSS before MiB", "---:", r => Median(r.List, x => x.RssBefore / 1048576.0).ToString("N1", C)),
            new("RSS held MiB", "---:", r => Median(r.List, x => x.RssHeld / 1048576.0).ToString("N1", C)),
            new("connections held by the server", "---:", r => Median(r.List, x => x.Accepted).ToString("N0", C)),
            new("bytes per connection (RSS delta / held)", "---:", r => Median(r.List, x => x.BytesPerConn).ToString("N0", C)),
            new("per round", "---", r => PerRound(r.List, x => x.BytesPerConn, "N0")),
            new(plan.EngineReport ? $"vs {vs} (medians)" : $"vs {vs}", "---:", r => Times(Median(r.List, x => x.BytesPerConn) / Median(baseline, x => x.BytesPerConn))),
        };
        if (plan.EngineReport) columns.Add(new("median of per-round ratios", "---:", r => Times(Paired(r.List, baseline, x => x.BytesPerConn))));
        return columns;
    }

    /// <summary>Every policy on at limits that never bite, against the same echo without policies: their cost, same run.</summary>
    private static void AppendPolicies(StringBuilder sb, LoadOptions o, Dictionary<(int Scenario, string Kind), List<EchoResult>> echo, Dictionary<string, List<IdleResult>> idle)
    {
        var pairs = PolicyPairs.Where(p => o.Kinds.Contains(p.On) && o.Kinds.Contains(p.Off)).ToList();
        if (pairs.Count == 0) return;
        sb.AppendLine(C, $"### Policies on (limits that never bite) against none, same run (median of {o.Rounds} per-round ratios; 1.00x = no cost)");
        sb.AppendLine();
        var columns = new List<Column<(string On, string Off)>>
        {
            new("policies on", "---", p => p.On),
            new("against (no policies)", "---", p => p.Off),
        };
        for (int s = 0; s < o.Plan.Scenarios.Length; s++)
        {
            int scenario = s;
            string size = SizeLabel(o.Plan.Scenarios[s].Size);
            List<EchoResult>? Results(string kind) => echo.GetValueOrDefault((scenario, kind));
            columns.Add(new($"{size} msgs/s", "---:", p => Times(Paired(Results(p.On), Results(p.Off), x => x.MsgsPerS))));
            columns.Add(new($"{size} p99", "---:", p => Times(Paired(Results(p.On), Results(p.Off), x => x.P99))));
            columns.Add(new($"{size} CPU/msg", "---:", p => Times(Paired(Results(p.On), Results(p.Off), x => x.CpuUsPerMsg))));
        }
        if (idle.Count > 0) columns.Add(new("idle bytes/conn", "---:", p => Times(Paired(idle.GetValueOrDefault(p.On), idle.GetValueOrDefault(p.Off), x => x.BytesPerConn))));
        AppendTable(sb, columns, pairs);
    }

    private static void AppendTable<TRow>(StringBuilder sb, IReadOnlyList<Column<TRow>> columns, IEnumerable<TRow> rows)
    {
        sb.AppendLine("| " + string.Join(" | ", columns.Select(c => c.Header)) + " |");
        sb.AppendLine("|" + string.Join("|", columns.Select(c => c.Align)) + "|");
        foreach (TRow row in rows) sb.AppendLine("| " + string.Join(" | ", columns.Select(c => c.Cell(row))) + " |");
        sb.AppendLine();
    }

    private static IEnumerable<KindResults<T>> Rows<T>(IEnumerable<string> kinds, Func<string, List<T>?> results)
    {
        foreach (string kind in kinds)
        {
            if (results(kind) is { } list) yield return new KindResults<T>(kind, list);
        }
    }

    private static double Median<T>(IEnumerable<T>? results, Func<T, double> value) =>
        results is null ? double.NaN : ProcStats.Median(results.Select(value));

    /// <summary>The median over rounds of value(a) / value(b) within the same round; NaN without both.</summary>
    private static double Paired<T>(List<T>? a, List<T>? b, Func<T, double> value) =>
        a is null || b is null ? double.NaN : ProcStats.Median(a.Zip(b, (x, y) => value(x) / value(y)));

    private static string PerRound<T>(IEnumerable<T> results, Func<T, double> value, string format) =>
        string.Join(" / ", results.Select(r => value(r).ToString(format, C)));

    // A ratio against nothing (a baseline of 0, such as the C server's idle cost after the warm-up hold) says nothing.
    private static string Times(double ratio) => double.IsFinite(ratio) ? ratio.ToString("N2", C) + "x" : "n/a";

    private static string DisplayName(string kind) => kind == "kestrel" ? "Kestrel" : kind;

    private static string SizeLabel(int bytes) => bytes >= 1024 && bytes % 1024 == 0 ? $"{bytes / 1024} KiB" : $"{bytes} B";
}
