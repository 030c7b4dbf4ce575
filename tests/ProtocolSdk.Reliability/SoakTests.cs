using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ProtocolSdk.Reliability.Support;
using Xunit.Abstractions;

namespace ProtocolSdk.Reliability;

/// <summary>
/// Scenario 7. Churn against a protocol with every policy (throttle, timeout, connection limits, min data rate, traffic
/// log, a [UsePolicy] struct): 4 client tasks from 4 source addresses connect, send 1..8 KiB, check the echo, then close
/// gracefully, half-close or reset, over and over; 20 s in the short form, 10 minutes with PROTOCOLSDK_SOAK=1.
/// Asserted: RSS after a full GC grows by less than <see cref="RssGrowthBoundMb"/> between the end of a 2 s warm-up and
/// the end of the run (a per-connection leak of even 1 KB would show in the long form: > 1 M connections), and every
/// counter is back to zero.
/// </summary>
[Collection(Serial.Name)]
public class SoakTests(ITestOutputHelper output)
{
    public const int RssGrowthBoundMb = 48;

    [Fact]
    public async Task Churn_with_all_policies_does_not_grow_or_leak()
    {
        using var unobserved = new UnobservedTaskWatch();
        var duration = Soak.SoakDuration;
        var warmup = TimeSpan.FromSeconds(2);
        var log = new RecordingLoggerFactory(); // records warnings and errors; LogTraffic's Information level stays off
        var lifecycle = new Lifecycle(retain: false);
        long madeBefore = Interlocked.Read(ref CountingPolicy.Made), lostBefore = Interlocked.Read(ref CountingPolicy.Lost);
        var server = await ProtocolServer.ListenTcpAsync(Net.AnyPort, () => new SoakProtocol(lifecycle), new ProtocolServerOptions { LoggerFactory = log });
        var ep = server.LocalEndPoint;

        long cycles = 0, bytes = 0, failures = 0;
        var clock = Stopwatch.StartNew();
        var end = warmup + duration;
        long rssWarm = 0;
        var rssSamples = new List<(double T, long Kb)>();

        async Task Churn(int index)
        {
            var rng = new Random(index);
            var from = IPAddress.Parse($"127.0.0.{10 + index}");
            var send = new byte[8192];
            var recv = new byte[8192];
            while (clock.Elapsed < end)
            {
                try
                {
                    using var s = await Net.ConnectAsync(ep, from);
                    int rounds = rng.Next(1, 4);
                    for (int r = 0; r < rounds; r++)
                    {
                        int n = rng.Next(1, send.Length + 1);
                        rng.NextBytes(send.AsSpan(0, n));
                        await s.SendAsync(send.AsMemory(0, n), SocketFlags.None);
                        await Net.ReadExactlyAsync(s, recv.AsMemory(0, n));
                        if (!recv.AsSpan(0, n).SequenceEqual(send.AsSpan(0, n))) throw new InvalidDataException("echo mismatch");
                        Interlocked.Add(ref bytes, n);
                    }
                    switch (rng.Next(3))
                    {
                        case 0: Net.Reset(s); break;
                        case 1: s.Shutdown(SocketShutdown.Send); await Net.DrainAsync(s); break;
                        default: s.Close(); break;
                    }
                    Interlocked.Increment(ref cycles);
                }
                catch (Exception ex) when (ex is SocketException or EndOfStreamException or OperationCanceledException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }

        var workers = Enumerable.Range(0, 4).Select(i => Task.Run(() => Churn(i))).ToList();
        while (clock.Elapsed < warmup) await Task.Delay(100);
        Proc.FullGc();
        rssWarm = Proc.RssKb();
        long cyclesWarm = Interlocked.Read(ref cycles);
        while (clock.Elapsed < end)
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(1, duration.TotalSeconds / 30)));
            rssSamples.Add((clock.Elapsed.TotalSeconds, Proc.RssKb()));
        }
        await Task.WhenAll(workers).WithTimeout("churn workers stop");

        await Net.WaitUntilAsync(() => server.ConnectionCount == 0 && server.SocketCount == 0 && lifecycle.Live == 0, "all connections closed");
        await Net.WaitUntilAsync(() => ServerProbe.PendingTimers(server) == 0, "timer wheel empty");
        Proc.FullGc();
        long rssEnd = Proc.RssKb();
        double growthMb = (rssEnd - rssWarm) / 1024.0;
        double secs = duration.TotalSeconds;
        output.WriteLine($"soak {secs:F0}s: {cycles} connections (server made {lifecycle.MadeCount}, lost {lifecycle.LostCount}) ({(cycles - cyclesWarm) / secs:F0}/s after warm-up), {bytes / 1e6:F1} MB echoed, {failures} client failures; " +
                         $"RSS after warm-up {rssWarm / 1024.0:F1} MB, max during {rssSamples.Max(s => s.Kb) / 1024.0:F1} MB, end {rssEnd / 1024.0:F1} MB (growth {growthMb:F1} MB, bound {RssGrowthBoundMb} MB)");

        output.WriteLine("RSS (not after GC) over time: " + string.Join(" ", rssSamples.Select(s => $"{s.T:F0}s:{s.Kb / 1024.0:F0}MB")));
        Assert.Equal(0, failures);
        Assert.True(growthMb < RssGrowthBoundMb, $"RSS grew {growthMb:F1} MB");
        lifecycle.AssertBalanced();
        Assert.Equal(Interlocked.Read(ref CountingPolicy.Made) - madeBefore, Interlocked.Read(ref CountingPolicy.Lost) - lostBefore);
        Assert.Empty(log.Entries);

        // The limit counts are back to zero: fill PerPeer from one address, then one more is refused.
        var full = new List<Socket>();
        for (int i = 0; i < SoakProtocol.PerPeerLimit; i++)
        {
            var s = await ConnectAfterChurnAsync(ep);
            full.Add(s);
            await Net.EchoOnceAsync(s, new byte[16], new byte[16]);
        }
        try
        {
            using var over = await Net.ConnectAsync(ep, Net.Honest);
            Assert.Equal(0, (await Net.DrainAsync(over)).Bytes);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            // Refused too: the server's reset of the refused connection can reach the socket before its connect
            // completes (seen once in a clean-clone CI run); either way it got nothing.
        }
        foreach (var s in full) s.Dispose();
        await server.DisposeAsync();
        Assert.Equal(0, server.ConnectionCount);
        Assert.Equal(0, ServerProbe.PendingTimers(server));
        lifecycle.AssertBalanced();
        unobserved.AssertNone();
    }

    /// <summary>
    /// A connect right after 50,000 churned loopback connections was once answered with a reset by the kernel, before
    /// the server could see it (a SYN the stack refused; the server only ever closes sockets it accepted): one retry.
    /// </summary>
    private static async Task<Socket> ConnectAfterChurnAsync(IPEndPoint ep)
    {
        try
        {
            return await Net.ConnectAsync(ep, Net.Honest);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return await Net.ConnectAsync(ep, Net.Honest);
        }
    }
}
