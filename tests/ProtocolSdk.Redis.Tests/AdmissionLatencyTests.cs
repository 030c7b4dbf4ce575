using System.Diagnostics;
using ProtocolSdk.Redis.Tests.Support;
using Xunit.Abstractions;

namespace ProtocolSdk.Redis.Tests;

/// <summary>
/// Measures the Redis round trip of an admission (acquire + release) on loopback and prints p50/p99; no timing assert
/// (a shared machine decides those numbers). Run with <c>--logger "console;verbosity=detailed"</c> to see them.
/// </summary>
public sealed class AdmissionLatencyTests : IClassFixture<SharedRedis>
{
    private readonly SharedRedis _redis;
    private readonly ITestOutputHelper _output;

    public AdmissionLatencyTests(SharedRedis redis, ITestOutputHelper output)
    {
        _redis = redis;
        _output = output;
    }

    [Fact]
    public async Task Two_thousand_admissions_are_all_granted_and_their_latency_is_reported()
    {
        await using var store = new RedisClusterStore(_redis.First, new RedisClusterStoreOptions
        {
            KeyPrefix = SharedRedis.UniquePrefix(),
            OperationTimeout = TimeSpan.FromSeconds(2), // measure, never fall back
        });
        ClusterLimit[] limits = [new("total", 1_000), new("peer:10.0.0.7", 4)];
        const int warmup = 3_000, measured = 2_000;
        var samples = new double[measured];

        for (int i = -warmup; i < measured; i++)
        {
            long started = Stopwatch.GetTimestamp();
            ClusterSlots slots = await store.TryAcquireSlotsAsync("Bench:maxconn:t1000:p4", limits);
            if (i >= 0) samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            Assert.Equal(ClusterDecision.Granted, slots.Decision);
            store.ReleaseSlots(slots);
        }

        // The same count of bare PINGs on the same multiplexer: what the machine and the client cost without the store.
        var pings = new double[measured];
        StackExchange.Redis.IDatabase database = _redis.First.GetDatabase();
        for (int i = -warmup; i < measured; i++)
        {
            long started = Stopwatch.GetTimestamp();
            await database.PingAsync();
            if (i >= 0) pings[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        Report("TryAcquireSlotsAsync (two limits)", samples);
        Report("PING on the same multiplexer", pings);
    }

    private void Report(string what, double[] samples)
    {
        Array.Sort(samples);
        _output.WriteLine($"{what} on loopback over {samples.Length} calls: p50 {samples[samples.Length / 2]:0.000} ms, p99 {samples[samples.Length * 99 / 100]:0.000} ms, max {samples[^1]:0.000} ms");
    }
}
