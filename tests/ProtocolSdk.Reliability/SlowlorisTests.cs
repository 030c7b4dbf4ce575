using System.Diagnostics;
using System.Net.Sockets;
using ProtocolSdk.Reliability.Support;
using Xunit.Abstractions;

namespace ProtocolSdk.Reliability;

/// <summary>
/// Scenario 1. N slow senders from 127.0.0.1 (200 short form, 500 long form) each trickle one byte per second; a cut
/// or rejected attacker waits 1 s and reconnects, for 6 s (short) / 60 s (long). Meanwhile 4 honest clients from
/// 127.0.0.2 ping-pong 64-byte echoes. Bounds asserted: every attacker connection is closed by the server within
/// GraceSeconds + 1.5 s of connecting (MinDataRate samples every 250 ms; 1 s slack for a loaded 2-core machine), at
/// most PerPeer attackers are ever admitted at once, and the honest clients' p99 echo latency stays under 250 ms.
/// </summary>
[Collection(Serial.Name)]
public class SlowlorisTests(ITestOutputHelper output)
{
    public const double HonestP99BoundMs = 250;

    [Fact]
    public async Task Slow_senders_are_cut_and_honest_clients_stay_fast()
    {
        int attackers = Soak.Pick(200, 500);
        var duration = Soak.Pick(TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(60));
        double cutBound = SlowlorisGuarded.GraceSeconds + 1.5;

        var lifecycle = new Lifecycle();
        var server = await ProtocolServer.ListenTcpAsync(Net.AnyPort, () => new SlowlorisGuarded(lifecycle));
        await using var _ = server;
        var ep = server.LocalEndPoint;

        var honestSockets = new List<Socket>();
        for (int i = 0; i < 4; i++) honestSockets.Add(await Net.ConnectAsync(ep, Net.Honest));

        var clock = Stopwatch.StartNew();
        var lifetimes = new System.Collections.Concurrent.ConcurrentBag<(double Seconds, bool ClosedByServer)>();
        int connects = 0, connectFailures = 0;

        async Task Slot(int index)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(1000.0 * index / attackers)); // pacing: spread the trickle over the second
            var one = new byte[] { (byte)'x' };
            var sink = new byte[64];
            while (clock.Elapsed < duration)
            {
                Socket s;
                try
                {
                    s = await Net.ConnectAsync(ep, Net.Attacker);
                    Interlocked.Increment(ref connects);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                {
                    Interlocked.Increment(ref connectFailures);
                    await Task.Delay(1000);
                    continue;
                }
                var opened = clock.Elapsed;
                var closed = WaitClosedAsync(s, sink);
                while (!closed.IsCompleted && clock.Elapsed < duration)
                {
                    try { s.Send(one, SocketFlags.None); }
                    catch (SocketException) { break; }
                    await Task.WhenAny(closed, Task.Delay(1000));
                }
                bool byServer = closed.IsCompleted || await Task.WhenAny(closed, Task.Delay(200)) == closed;
                lifetimes.Add(((clock.Elapsed - opened).TotalSeconds, byServer));
                Net.Reset(s);
                if (clock.Elapsed < duration) await Task.Delay(1000); // the attacker's pacing before reconnecting
            }
        }

        var latencies = new List<double>();
        int honestErrors = 0;
        async Task Honest(Socket s, int seed)
        {
            var msg = new byte[64];
            new Random(seed).NextBytes(msg);
            var reply = new byte[64];
            var mine = new List<double>();
            try
            {
                while (clock.Elapsed < duration)
                {
                    mine.Add((await Net.EchoOnceAsync(s, msg, reply)).TotalMilliseconds);
                    await Task.Delay(5); // a client with think time, not a benchmark
                }
            }
            catch (Exception)
            {
                Interlocked.Increment(ref honestErrors);
            }
            lock (latencies) latencies.AddRange(mine);
        }

        var maxAdmittedAttackers = 0;
        var sampler = Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                maxAdmittedAttackers = Math.Max(maxAdmittedAttackers, lifecycle.Live - honestSockets.Count);
                await Task.Delay(50);
            }
        });

        var tasks = Enumerable.Range(0, attackers).Select(Slot).Concat(honestSockets.Select((s, i) => Honest(s, i))).ToList();
        await Task.WhenAll(tasks).WithTimeout("attack run", duration + TimeSpan.FromSeconds(60));
        await sampler;

        var closedByServer = lifetimes.Where(l => l.ClosedByServer).ToList();
        var cutByRate = lifecycle.All.Count(s => s.Reason.Kind == DisconnectKind.PolicyViolation);
        double p50 = Net.Percentile(latencies, 50), p99 = Net.Percentile(latencies, 99), max = latencies.Count > 0 ? latencies.Max() : double.NaN;
        output.WriteLine($"attackers={attackers} duration={duration.TotalSeconds}s connects={connects} connectFailures={connectFailures} " +
                         $"closedByServer={closedByServer.Count} cutByMinDataRate={cutByRate} maxAdmittedAttackers={maxAdmittedAttackers} " +
                         $"maxLifetime={(closedByServer.Count > 0 ? closedByServer.Max(l => l.Seconds) : 0):F2}s " +
                         $"honest echoes={latencies.Count} p50={p50:F2}ms p99={p99:F2}ms max={max:F2}ms errors={honestErrors}");

        Assert.Equal(0, honestErrors);
        Assert.True(latencies.Count > 100, "honest clients got too few replies: " + latencies.Count);
        Assert.True(p99 < HonestP99BoundMs, $"honest p99 {p99:F1} ms >= {HonestP99BoundMs} ms");
        Assert.True(maxAdmittedAttackers <= SlowlorisGuarded.PerPeerLimit, $"{maxAdmittedAttackers} attackers admitted at once");
        Assert.True(cutByRate >= SlowlorisGuarded.PerPeerLimit, $"only {cutByRate} connections cut by MinDataRate");
        // Every attacker connection ended within the bound, closed by the server (those still open at the end are younger than the bound).
        foreach (var l in lifetimes) Assert.True(l.Seconds <= cutBound, $"an attacker lived {l.Seconds:F2} s (bound {cutBound} s, by server: {l.ClosedByServer})");
        Assert.True(closedByServer.Count >= attackers, $"{closedByServer.Count} server closes for {attackers} attackers");

        foreach (var s in honestSockets) s.Dispose();
        await server.DisposeAsync();
        Assert.Equal(0, server.ConnectionCount);
        lifecycle.AssertBalanced();
        Assert.Equal(0, lifecycle.Live);
    }

    private static async Task WaitClosedAsync(Socket s, byte[] sink)
    {
        try
        {
            while (await s.ReceiveAsync(sink, SocketFlags.None) > 0) { }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}
