using System.Globalization;
using System.Text;

namespace ProtocolSdk.Benchmarks;

/// <summary>The Markdown tables of the <c>tls</c> benchmark: medians, per-round values and ratios against Kestrel.</summary>
internal static class TlsReport
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static string Build(TlsLoadOptions o, Scenario[] scenarios, string[] kinds,
        Dictionary<(int Scenario, string Kind), List<TlsEchoResult>> echo, Dictionary<string, List<HandshakeResult>> handshakes,
        Dictionary<string, List<IdleMemoryResult>> idleTls, Dictionary<string, List<IdleMemoryResult>> idlePlain)
    {
        var sb = new StringBuilder();
        sb.AppendLine(C, $"Runs: {o.Rounds} rounds, servers alternated in the order {string.Join(", ", kinds)} each round; TLS 1.3, one self-signed RSA 2048 certificate for both; loadgen echo --tls {o.Seconds} s measured after 1 s warm-up, 1 loadgen thread; {Environment.ProcessorCount} cores shared by server and loadgen; .NET {Environment.Version}.");
        sb.AppendLine();
        for (int s = 0; s < scenarios.Length; s++) AppendEcho(sb, o, scenarios[s], kinds, kind => echo.GetValueOrDefault((s, kind)));
        if (handshakes.Count > 0) AppendHandshakes(sb, o, kinds, handshakes);
        if (idleTls.Count > 0) AppendIdle(sb, $"### Memory per idle TLS connection after the handshake ({o.IdleConns} connections held {o.IdleSeconds} s, medians of {o.Rounds})", kinds, idleTls);
        if (idlePlain.Count > 0)
        {
            AppendIdle(sb, $"### Memory per idle plaintext connection, same servers without TLS (same run, {o.IdleConns} connections)", kinds, idlePlain);
            AppendTlsCost(sb, kinds, idleTls, idlePlain);
        }
        return sb.ToString();
    }

    private static double Median<T>(IEnumerable<T> results, Func<T, double> value) => ProcStats.Median(results.Select(value));

    private static string PerRound<T>(IEnumerable<T> results, Func<T, double> value, string format) =>
        string.Join(" / ", results.Select(r => value(r).ToString(format, C)));

    private static void AppendEcho(StringBuilder sb, TlsLoadOptions o, Scenario sc, string[] kinds, Func<string, List<TlsEchoResult>?> results)
    {
        sb.AppendLine(C, $"#### TLS echo: {sc.Name} (medians of {o.Rounds})");
        sb.AppendLine();
        sb.AppendLine("| server | msgs/s | MB/s | p50 µs | p99 µs | server CPU µs/msg | managed B allocated/msg | msgs/s per round | msgs/s vs Kestrel (medians) | median of per-round ratios | CPU/msg vs Kestrel | CPU/msg per round |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|");
        var kestrel = results("kestrel");
        double kestrelRate = kestrel is null ? double.NaN : Median(kestrel, r => r.MsgsPerS);
        double kestrelCpu = kestrel is null ? double.NaN : Median(kestrel, r => r.CpuUsPerMsg);
        foreach (string kind in kinds)
        {
            if (results(kind) is not { } list) continue;
            double rate = Median(list, r => r.MsgsPerS);
            double cpu = Median(list, r => r.CpuUsPerMsg);
            // Runs of one round are next to each other in time: their ratio cancels slow drifts of the background load.
            double paired = kestrel is null ? double.NaN : ProcStats.Median(list.Zip(kestrel, (a, b) => a.MsgsPerS / b.MsgsPerS));
            sb.AppendLine(C, $"| {kind} | {rate:N0} | {Median(list, r => r.MBPerS):N1} | {Median(list, r => r.P50):N0} | {Median(list, r => r.P99):N0} | {cpu:N2} | {Median(list, r => r.AllocatedBytesPerMsg):N1} | {PerRound(list, r => r.MsgsPerS, "N0")} | {rate / kestrelRate:N2}x | {paired:N2}x | {cpu / kestrelCpu:N2}x | {PerRound(list, r => r.CpuUsPerMsg, "N2")} |");
        }
        sb.AppendLine();
    }

    private static void AppendHandshakes(StringBuilder sb, TlsLoadOptions o, string[] kinds, Dictionary<string, List<HandshakeResult>> results)
    {
        sb.AppendLine(C, $"#### TLS handshakes: {o.Handshakes} connections at once (`loadgen idle --tls`, `tls_handshake_s`; medians of {o.Rounds})");
        sb.AppendLine();
        sb.AppendLine("| server | seconds for all | per round | vs Kestrel (medians) | median of per-round ratios | handshakes/s | server CPU ms/handshake | CPU/handshake vs Kestrel | failed |");
        sb.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|");
        results.TryGetValue("kestrel", out var kestrel);
        double kestrelSeconds = kestrel is null ? double.NaN : Median(kestrel, r => r.Seconds);
        double kestrelCpu = kestrel is null ? double.NaN : Median(kestrel, r => r.ServerCpuMsPerHandshake);
        foreach (string kind in kinds)
        {
            if (!results.TryGetValue(kind, out var list)) continue;
            double seconds = Median(list, r => r.Seconds);
            double cpu = Median(list, r => r.ServerCpuMsPerHandshake);
            double paired = kestrel is null ? double.NaN : ProcStats.Median(list.Zip(kestrel, (a, b) => a.Seconds / b.Seconds));
            sb.AppendLine(C, $"| {kind} | {seconds:N3} | {PerRound(list, r => r.Seconds, "N3")} | {seconds / kestrelSeconds:N2}x | {paired:N2}x | {o.Handshakes / seconds:N0} | {cpu:N2} | {cpu / kestrelCpu:N2}x | {list.Sum(r => r.Failed)} |");
        }
        sb.AppendLine();
    }

    private static void AppendIdle(StringBuilder sb, string heading, string[] kinds, Dictionary<string, List<IdleMemoryResult>> results)
    {
        sb.AppendLine(C, $"#### {heading.TrimStart('#', ' ')}");
        sb.AppendLine();
        sb.AppendLine("| server | RSS before MiB | RSS held MiB | connections held by the server | bytes per connection (RSS delta / held) | per round | vs Kestrel | after a full GC: RSS delta / held | live managed / held | not managed (RSS after GC − managed) / held | native heap in use / held | native heap freed, kept / held |");
        sb.AppendLine("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|");
        double kestrel = results.TryGetValue("kestrel", out var kl) ? Median(kl, r => r.BytesPerConn) : double.NaN;
        foreach (string kind in kinds)
        {
            if (!results.TryGetValue(kind, out var list)) continue;
            double perConn = Median(list, r => r.BytesPerConn);
            sb.AppendLine(C, $"| {kind} | {Median(list, r => r.RssBefore / 1048576.0):N1} | {Median(list, r => r.RssHeld / 1048576.0):N1} | {Median(list, r => (double)r.Accepted):N0} | {perConn:N0} | {PerRound(list, r => r.BytesPerConn, "N0")} | {perConn / kestrel:N2}x | {Median(list, r => r.CollectedBytesPerConn):N0} | {Median(list, r => r.LiveManagedPerConn):N0} | {Median(list, r => r.NonManagedPerConn):N0} | {Median(list, r => r.NativeInUsePerConn):N0} | {Median(list, r => r.NativeFreePerConn):N0} |");
        }
        sb.AppendLine();
    }

    /// <summary>TLS minus plaintext per idle connection, per server: what TLS itself keeps while a connection is idle.</summary>
    private static void AppendTlsCost(StringBuilder sb, string[] kinds, Dictionary<string, List<IdleMemoryResult>> tls, Dictionary<string, List<IdleMemoryResult>> plain)
    {
        sb.AppendLine("#### What TLS adds per idle connection (TLS medians minus plaintext medians, same run)");
        sb.AppendLine();
        sb.AppendLine("| server | RSS | RSS after a full GC | live managed | not managed (mostly OpenSSL's per-connection state) |");
        sb.AppendLine("|---|---:|---:|---:|---:|");
        foreach (string kind in kinds)
        {
            if (!tls.TryGetValue(kind, out var t) || !plain.TryGetValue(kind, out var p)) continue;
            double Diff(Func<IdleMemoryResult, double> value) => Median(t, value) - Median(p, value);
            sb.AppendLine(C, $"| {kind} | {Diff(r => r.BytesPerConn):N0} | {Diff(r => r.CollectedBytesPerConn):N0} | {Diff(r => r.LiveManagedPerConn):N0} | {Diff(r => r.NonManagedPerConn):N0} |");
        }
        sb.AppendLine();
    }
}
