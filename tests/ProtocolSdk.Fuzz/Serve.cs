using System.Diagnostics;
using System.Net;

namespace ProtocolSdk.Fuzz;

/// <summary>
/// The reliability suite's slowloris/flood protocol as a stand-alone server, for loadgen runs by hand:
/// <c>ProtocolSdk.Fuzz --serve PORT SECONDS</c>. Idle timeout 3 s, at most 100 connections per peer and 2000 in total,
/// minimum inbound rate 16 B/s over 2 s windows; echoes. Prints one status line per second (connections, RSS, fds).
/// </summary>
[Timeout(3)]
[MaxConnections(Total = 2000, PerPeer = 100)]
[MinDataRate(BytesPerSecond = 16, GraceSeconds = 2)]
public sealed partial class GuardedEcho : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
}

public static class Serve
{
    public static async Task<int> RunAsync(int port, int seconds)
    {
        await using var server = await ProtocolServer.ListenTcpAsync<GuardedEcho>(new IPEndPoint(IPAddress.Loopback, port));
        Console.WriteLine($"serving on {server.LocalEndPoint} for {seconds} s");
        var sw = Stopwatch.StartNew();
        int maxConnections = 0;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            await Task.Delay(1000);
            maxConnections = Math.Max(maxConnections, server.ConnectionCount);
            Console.WriteLine($"t={sw.Elapsed.TotalSeconds:F0}s connections={server.ConnectionCount} rss={RssKb() / 1024.0:F1}MB fds={Directory.GetFileSystemEntries("/proc/self/fd").Length}");
        }
        Console.WriteLine($"max connections {maxConnections}");
        return 0;
    }

    private static long RssKb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim());
        }
        return 0;
    }
}
