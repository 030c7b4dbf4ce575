using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ProtocolSdk.Reliability.Support;
using Xunit.Abstractions;

namespace ProtocolSdk.Reliability;

/// <summary>
/// Scenario 2. Two flooding peers (127.0.0.1 and 127.0.0.3) connect as fast as they can from dedicated threads, each
/// keeping its 40 newest connections open (above PerPeer = 32, and together above Total = 64) and resetting older ones;
/// an honest client on 127.0.0.2, connected before the flood, keeps getting echoes. Afterwards the counts are back to
/// zero (the limits can be filled again exactly) and, once the server is disposed and the clients closed, the process
/// has no more file descriptors open than before (slack: see <see cref="FdSlack"/>).
/// </summary>
[Collection(Serial.Name)]
public class FloodTests(ITestOutputHelper output)
{
    public const double HonestP99BoundMs = 250;

    /// <summary>
    /// Descriptors the runtime may open lazily and keep for the life of the process (another socket-engine epoll
    /// instance and its wake-up pipe when more threads start using sockets, /dev/urandom). They are process-wide, not
    /// per connection: a leak of even one descriptor per 1000 connections would exceed it by far.
    /// </summary>
    public const int FdSlack = 4;

    [Fact]
    public async Task Flood_is_held_to_the_limits_without_fd_leaks()
    {
        var floodTime = Soak.Pick(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30));

        // Warm up the socket engine so its process-wide descriptors exist before the baseline.
        {
            var warm = new Lifecycle();
            await using var w = await ProtocolServer.ListenTcpAsync(Net.AnyPort, () => new FloodGuarded(warm));
            using var c = await Net.ConnectAsync(w.LocalEndPoint, Net.Honest);
            await Net.EchoOnceAsync(c, new byte[8], new byte[8]);
        }
        Proc.FullGc();
        int fdsBefore = Proc.OpenFds();

        var lifecycle = new Lifecycle();
        var server = await ProtocolServer.ListenTcpAsync(Net.AnyPort, () => new FloodGuarded(lifecycle));
        var ep = server.LocalEndPoint;
        var honest = await Net.ConnectAsync(ep, Net.Honest);
        await Net.EchoOnceAsync(honest, new byte[64], new byte[64]);

        long connects = 0, failures = 0;
        var stop = new CancellationTokenSource(floodTime);
        var held = new List<Socket>[2];
        void Flood(int index, IPAddress from)
        {
            var mine = held[index] = new List<Socket>();
            while (!stop.IsCancellationRequested)
            {
                var s = Net.NewSocket(from);
                try
                {
                    s.Connect(ep);
                    Interlocked.Increment(ref connects);
                    mine.Add(s);
                }
                catch (SocketException)
                {
                    Interlocked.Increment(ref failures);
                    s.Dispose();
                }
                if (mine.Count > 40)
                {
                    Net.Reset(mine[0]);
                    mine.RemoveAt(0);
                }
            }
        }

        var clock = Stopwatch.StartNew();
        var threads = new[] { new Thread(() => Flood(0, Net.Attacker)), new Thread(() => Flood(1, IPAddress.Parse("127.0.0.3"))) };
        foreach (var t in threads) t.Start();

        var latencies = new List<double>();
        var msg = new byte[64];
        var reply = new byte[64];
        int maxServerConnections = 0;
        while (!stop.IsCancellationRequested)
        {
            latencies.Add((await Net.EchoOnceAsync(honest, msg, reply)).TotalMilliseconds);
            maxServerConnections = Math.Max(maxServerConnections, server.ConnectionCount);
            await Task.Delay(5);
        }
        foreach (var t in threads) Assert.True(t.Join(Net.Timeout), "flood thread did not stop");
        double seconds = clock.Elapsed.TotalSeconds;

        double p99 = Net.Percentile(latencies, 99);
        output.WriteLine($"flood {seconds:F1}s connects={connects} ({connects / seconds:F0}/s) failures={failures} maxAdmitted={lifecycle.MaxLive} " +
                         $"serverConnectionCountMax={maxServerConnections} honest echoes={latencies.Count} p50={Net.Percentile(latencies, 50):F2}ms p99={p99:F2}ms max={latencies.Max():F2}ms");
        Assert.True(lifecycle.MaxLive <= FloodGuarded.TotalLimit, $"{lifecycle.MaxLive} admitted at once");
        Assert.True(maxServerConnections <= FloodGuarded.TotalLimit, $"ConnectionCount reached {maxServerConnections}: it must count admitted connections only");
        Assert.True(connects / seconds >= 500, $"the flood was too weak to mean anything: {connects / seconds:F0}/s");
        Assert.True(p99 < HonestP99BoundMs, $"honest p99 {p99:F1} ms");

        foreach (var list in held) foreach (var s in list) Net.Reset(s);
        honest.Dispose();
        await Net.WaitUntilAsync(() => server.ConnectionCount == 0 && server.SocketCount == 0 && lifecycle.Live == 0, "all flood connections closed");

        // The counts are back to zero: the limits can be filled exactly once more.
        var refill = new List<Socket>();
        foreach (var from in new[] { Net.Attacker, IPAddress.Parse("127.0.0.3") })
        {
            for (int i = 0; i < FloodGuarded.PerPeerLimit; i++)
            {
                var s = await Net.ConnectAsync(ep, from);
                refill.Add(s);
                await Net.EchoOnceAsync(s, msg, reply);
            }
        }
        Assert.Equal(FloodGuarded.TotalLimit, lifecycle.Live);
        Assert.Equal(0, await Net.RefusedBytesAsync(ep, IPAddress.Parse("127.0.0.4"))); // rejected by Total: closed without a byte

        foreach (var s in refill) s.Dispose();
        await server.DisposeAsync();
        Assert.Equal(0, server.ConnectionCount);
        lifecycle.AssertBalanced();

        int fdsAfter = 0;
        try
        {
            await Net.WaitUntilAsync(() => { Proc.FullGc(); return (fdsAfter = Proc.OpenFds()) <= fdsBefore + FdSlack; }, "descriptors released", TimeSpan.FromSeconds(10));
        }
        finally
        {
            output.WriteLine($"fds before={fdsBefore} after={fdsAfter} slack={FdSlack}");
        }
        Assert.True(fdsAfter <= fdsBefore + FdSlack, $"fd leak: {fdsBefore} -> {fdsAfter}");
    }
}
