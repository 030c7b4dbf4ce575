using System.Diagnostics;
using ProtocolSdk.Redis.Internal;
using ProtocolSdk.Redis.Tests.Support;
using StackExchange.Redis;

namespace ProtocolSdk.Redis.Tests;

public sealed class LeaseTests : IClassFixture<SharedRedis>
{
    private const string Policy = "Chat:maxconn:p3";
    private static readonly TimeSpan LeaseTime = TimeSpan.FromMilliseconds(600);
    private readonly SharedRedis _redis;
    private readonly string _prefix = SharedRedis.UniquePrefix();

    public LeaseTests(SharedRedis redis) => _redis = redis;

    private RedisClusterStore Store(IConnectionMultiplexer multiplexer, string instance) => new(multiplexer, new RedisClusterStoreOptions
    {
        KeyPrefix = _prefix,
        InstanceId = instance,
        LeaseTime = LeaseTime,
        OperationTimeout = TimeSpan.FromMilliseconds(200),
    });

    [Fact]
    public async Task A_crashed_instance_frees_its_slots_within_the_lease_time_while_a_live_lease_stays_counted_for_ten_lease_times()
    {
        ClusterLimit[] limits = [new("peer:10.0.0.7", 3)];
        await using var live = Store(_redis.Second, "live");
        var crashingMultiplexer = await _redis.Server.ConnectAsync();
        var crashing = Store(crashingMultiplexer, "crashing");

        ClusterSlots held = await live.TryAcquireSlotsAsync(Policy, limits);
        var heldAt = Stopwatch.StartNew();
        Assert.Equal(ClusterDecision.Granted, (await crashing.TryAcquireSlotsAsync(Policy, limits)).Decision);
        Assert.Equal(ClusterDecision.Granted, (await crashing.TryAcquireSlotsAsync(Policy, limits)).Decision);
        Assert.Equal(ClusterDecision.Refused, (await live.TryAcquireSlotsAsync(Policy, limits)).Decision);

        // The crash: the instance's connection to Redis is gone and nothing releases or renews its two slots.
        await crashingMultiplexer.DisposeAsync();
        var crashedAt = Stopwatch.StartNew();
        await Eventually.HoldsAsync(async () => (await live.TryAcquireSlotsAsync(Policy, limits)).Decision == ClusterDecision.Granted,
            LeaseTime + TimeSpan.FromSeconds(3), "the live instance gets a slot of the crashed one");
        TimeSpan freedAfter = crashedAt.Elapsed;
        // Within LeaseTime of the crash; the margin is for polling and a busy shared machine.
        Assert.True(freedAfter <= LeaseTime + TimeSpan.FromSeconds(1), $"freed after {freedAfter}");

        // Renewal keeps the live lease counted long after its first lease time has passed.
        TimeSpan tenLeaseTimes = 10 * LeaseTime;
        if (heldAt.Elapsed < tenLeaseTimes) await Task.Delay(tenLeaseTimes - heldAt.Elapsed); // the test is about time passing
        RedisKey key = $"{_prefix}{{{Policy}}}:peer:10.0.0.7";
        double? expiry = await _redis.Inspect.SortedSetScoreAsync(key, Assert.IsType<SlotLease>(held.Lease).Member);
        Assert.NotNull(expiry);
        Assert.True(expiry.Value > await RedisNowMillisecondsAsync(), "the live lease's expiry lies in the future");

        await crashing.DisposeAsync(); // its multiplexer is gone: must not throw
    }

    [Fact]
    public async Task Renewal_re_adds_a_live_lease_that_Redis_lost()
    {
        await using var store = Store(_redis.First, "a");
        ClusterSlots held = await store.TryAcquireSlotsAsync(Policy, new ClusterLimit[] { new("total", 3) });
        var lease = Assert.IsType<SlotLease>(held.Lease);
        RedisKey key = $"{_prefix}{{{Policy}}}:total";
        // A cold first call can outlast OperationTimeout (200 ms) and be granted locally, not yet in Redis: renewal adds
        // it then. Wait until Redis holds it, so the removal below is what renewal has to repair.
        await Eventually.HoldsAsync(async () => await _redis.Inspect.SortedSetScoreAsync(key, lease.Member) is not null,
            TimeSpan.FromSeconds(5), "the lease in Redis");
        Assert.True(await _redis.Inspect.SortedSetRemoveAsync(key, lease.Member)); // e.g. expired while Redis was unreachable

        // A timer round already in flight (it renews every 200 ms) may have scored the member before the removal, and
        // RenewNowAsync then returns that round: renew until a round that started after the removal re-added it.
        await Eventually.HoldsAsync(async () =>
        {
            await store.RenewNowAsync();
            return await _redis.Inspect.SortedSetScoreAsync(key, lease.Member) is not null;
        }, TimeSpan.FromSeconds(5), "renewal re-adds the lease");
        store.ReleaseSlots(held);
        await Eventually.HoldsAsync(async () => await _redis.Inspect.SortedSetLengthAsync(key) == 0, TimeSpan.FromSeconds(5), "the release removes it");
    }

    private async Task<double> RedisNowMillisecondsAsync()
    {
        var parts = (RedisValue[])(await _redis.Inspect.ExecuteAsync("TIME"))!;
        return (long)parts[0] * 1000.0 + (long)parts[1] / 1000.0;
    }
}
