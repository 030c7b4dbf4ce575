using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using ProtocolSdk.Policies;
using ProtocolSdk.Testing;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Cluster;

/// <summary>ClusterWide [Throttle]: local buckets fed by slices of a budget shared through the store.</summary>
// Rates measured on the wall clock over real sockets: run with the other timing-sensitive socket tests, alone.
[Collection(ProtocolSdk.Tests.Policies.TimingSensitiveSockets.Name)]
public class ClusterThrottleTests
{
    private static void WaitUntil(Func<bool> condition, string what) =>
        Assert.True(SpinWait.SpinUntil(condition, TimeSpan.FromSeconds(5)), "timed out waiting for " + what);

    [Fact]
    public void A_shared_bucket_starts_empty_and_leases_a_tenth_of_a_second_of_the_rate()
    {
        var clock = new FakeTimeProvider();
        var store = new InMemoryClusterStore(clock);
        var bucket = new TokenBucket(100_000, 100_000, clock, store, "P", "read:all");

        WaitUntil(() => bucket.Available > 0, "the first slice");
        Assert.Equal(10_000, bucket.Available); // a tenth of a second of 100 kB/s
        Assert.True(bucket.IsLeasingFromCluster);
        Assert.Equal(1, store.BudgetCalls);

        bucket.Consume(6_000); // below half a slice: the next slice is asked for
        WaitUntil(() => bucket.Available > 4_000, "the next slice");
        Assert.Equal(14_000, bucket.Available);
        Assert.Equal(2, store.BudgetCalls);
    }

    [Fact]
    public void Two_instances_share_one_budget_and_together_get_no_more_than_rate_times_time_plus_burst()
    {
        var clock = new FakeTimeProvider();
        var store = new InMemoryClusterStore(clock);
        var a = new TokenBucket(100_000, 20_000, clock, store, "P", "read:peer:10.0.0.7");
        var b = new TokenBucket(100_000, 20_000, clock, store, "P", "read:peer:10.0.0.7");
        long taken = 0;
        for (int step = 0; step < 100; step++) // 10 s of simulated time, both instances greedy
        {
            foreach (var bucket in new[] { a, b })
            {
                taken += bucket.Take(1_000_000);
                // An emptied bucket asks for a slice (on the thread pool): let the answer land before time moves on.
                WaitUntil(() => !bucket.IsAskingCluster, "an answer");
            }
            clock.Advance(TimeSpan.FromMilliseconds(100));
        }
        // 10 s at 100 kB/s plus the 20 kB burst is the most the fleet may take; at least 85 % of it is taken.
        Assert.InRange(taken, 0.85 * 1_020_000, 1_020_000 + 2 * 10_000);
    }

    [Fact]
    public void While_the_store_is_down_a_bucket_refills_locally_and_returns_to_the_shared_budget_when_it_is_back()
    {
        var clock = new FakeTimeProvider();
        var store = new InMemoryClusterStore(clock) { IsAvailable = false };
        var bucket = new TokenBucket(100_000, 100_000, clock, store, "P", "read:all");
        WaitUntil(() => !bucket.IsLeasingFromCluster, "the fallback to the local rate");

        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(50_000, bucket.Available, precision: 0); // per-instance refill at the full rate

        store.IsAvailable = true;
        clock.Advance(TimeSpan.FromSeconds(1)); // the next probe is due
        _ = bucket.Available;
        WaitUntil(() => bucket.IsLeasingFromCluster, "the return to the shared budget");
    }

    [Fact]
    public void Received_chunks_under_a_cluster_wide_throttle_allocate_nothing_in_steady_state()
    {
        var clock = new FakeTimeProvider();
        var store = new InMemoryClusterStore(clock);
        using var host = new ProtocolTestHost(clock, new ProtocolServerOptions { ClusterStore = store });
        var conn = host.Connect(new ClusterThrottledEcho());
        var chunk = new byte[64];
        const int events = 20_000;
        WaitUntil(() => store.BudgetCalls == 1 && !conn.Transport.IsReadingPaused, "the first slice");
        for (int i = 0; i < events; i++) conn.Send(chunk);
        conn.Transport.ClearWritten();

        AllocationAssert.NothingAllocatedPerEvent(() =>
        {
            conn.Transport.ClearWritten();
            for (int i = 0; i < events; i++) conn.Send(chunk);
        });
        Assert.Equal(events * chunk.Length, conn.Transport.Written.Length);
    }

    [Fact]
    public async Task A_per_peer_budget_holds_the_aggregate_of_one_greedy_client_per_server_within_15_percent()
    {
        var store = new InMemoryClusterStore();
        var sinks = new ProtocolCollector<ClusterThrottledSink>();
        var options = new ProtocolServerOptions { ClusterStore = store };
        await using var first = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, sinks.Wrap(() => new ClusterThrottledSink()), options);
        await using var second = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, sinks.Wrap(() => new ClusterThrottledSink()), options);
        using var stop = new CancellationTokenSource();
        var clients = new[] { first, second }.Select(server => Task.Run(async () =>
        {
            using var socket = await Loopback.ConnectAsync(server.LocalEndPoint);
            var payload = new byte[16 * 1024];
            try
            {
                while (!stop.IsCancellationRequested) await socket.SendAsync(payload, SocketFlags.None, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        })).ToArray();
        await Loopback.WaitUntilAsync(() => sinks.All.Count == 2, "both connections");

        // Past the (small, shared) burst the pair gets 100 kB/s between them.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        long before = sinks.All.Sum(s => s.Received);
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(3));
        long after = sinks.All.Sum(s => s.Received);
        double rate = (after - before) / clock.Elapsed.TotalSeconds;
        stop.Cancel();
        await Task.WhenAll(clients).WithTimeout("the clients");

        // Never over the shared budget (+15 %); under it only when the machine stalled the readers (a small burst loses
        // budget during a stall by design): the lower bound catches a budget that stopped flowing.
        Assert.InRange(rate, 100_000 * 0.6, 100_000 * 1.15);
        Assert.All(sinks.All, sink => Assert.True(sink.Received > 50_000, "each server's client got a share"));
    }
}
