using ProtocolSdk.Redis.Internal;
using ProtocolSdk.Redis.Tests.Support;
using StackExchange.Redis;

namespace ProtocolSdk.Redis.Tests;

public sealed class SlotLimitTests : IClassFixture<SharedRedis>
{
    private const string Policy = "Chat:maxconn:t5:p2";
    private readonly SharedRedis _redis;
    private readonly string _prefix = SharedRedis.UniquePrefix();

    public SlotLimitTests(SharedRedis redis) => _redis = redis;

    private RedisClusterStore Store(ConnectionMultiplexer multiplexer, string instance) => new(multiplexer, new RedisClusterStoreOptions
    {
        KeyPrefix = _prefix,
        InstanceId = instance,
        OperationTimeout = TimeSpan.FromSeconds(2), // these tests are about counting, not about slow Redis
        LeaseTime = TimeSpan.FromSeconds(30),
    });

    /// <summary>How many EVAL (full script text) calls the server has run, from INFO commandstats.</summary>
    private async Task<long> EvalCallsAsync()
    {
        string info = (string)(await _redis.Inspect.ExecuteAsync("INFO", "commandstats"))!;
        string? line = info.Split('\n').FirstOrDefault(l => l.StartsWith("cmdstat_eval:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split("calls=")[1].Split(',')[0]);
    }

    private static string Member(ClusterSlots slots) => Assert.IsType<SlotLease>(slots.Lease).Member.ToString();

    private RedisKey Key(string limitKey) => $"{_prefix}{{{Policy}}}:{limitKey}";

    [Fact]
    public async Task Grants_up_to_the_limit_then_refuses_with_the_index_of_the_full_limit()
    {
        await using var store = Store(_redis.First, "a");
        ClusterLimit[] limits = [new("total", 5), new("peer:10.0.0.7", 2)];

        ClusterSlots first = await store.TryAcquireSlotsAsync(Policy, limits);
        ClusterSlots second = await store.TryAcquireSlotsAsync(Policy, limits);
        ClusterSlots third = await store.TryAcquireSlotsAsync(Policy, limits);

        Assert.Equal(ClusterDecision.Granted, first.Decision);
        Assert.Equal(ClusterDecision.Granted, second.Decision);
        Assert.NotNull(first.Lease);
        Assert.Equal(ClusterDecision.Refused, third.Decision);
        Assert.Equal(1, third.RefusedLimit);
        Assert.Null(third.Lease);

        ClusterLimit[] onlyTotal = [new("total", 5)];
        for (int i = 0; i < 3; i++) Assert.Equal(ClusterDecision.Granted, (await store.TryAcquireSlotsAsync(Policy, onlyTotal)).Decision);
        ClusterSlots sixth = await store.TryAcquireSlotsAsync(Policy, onlyTotal);
        Assert.Equal(ClusterDecision.Refused, sixth.Decision);
        Assert.Equal(0, sixth.RefusedLimit);
        Assert.Equal(5, await _redis.Inspect.SortedSetLengthAsync(Key("total")));
    }

    [Fact]
    public async Task All_or_none_leaves_nothing_behind_when_the_second_limit_is_full()
    {
        await using var store = Store(_redis.First, "a");
        ClusterLimit[] peerOnly = [new("peer:p", 1)];
        Assert.Equal(ClusterDecision.Granted, (await store.TryAcquireSlotsAsync(Policy, peerOnly)).Decision);

        ClusterSlots refused = await store.TryAcquireSlotsAsync(Policy, new ClusterLimit[] { new("total", 5), new("peer:p", 1) });

        Assert.Equal(ClusterDecision.Refused, refused.Decision);
        Assert.Equal(1, refused.RefusedLimit);
        Assert.Equal(0, await _redis.Inspect.SortedSetLengthAsync(Key("total")));
        Assert.Equal(1, await _redis.Inspect.SortedSetLengthAsync(Key("peer:p")));
    }

    [Fact]
    public async Task Release_frees_the_slot_in_every_set()
    {
        await using var store = Store(_redis.First, "a");
        ClusterLimit[] limits = [new("total", 1), new("peer:p", 1)];
        ClusterSlots held = await store.TryAcquireSlotsAsync(Policy, limits);
        Assert.Equal(ClusterDecision.Refused, (await store.TryAcquireSlotsAsync(Policy, limits)).Decision);

        store.ReleaseSlots(held);
        store.ReleaseSlots(held); // a second release of the same lease does nothing

        // The release goes out on the same connection before the next acquire, so Redis runs it first.
        Assert.Equal(ClusterDecision.Granted, (await store.TryAcquireSlotsAsync(Policy, limits)).Decision);
        Assert.Equal(1, await _redis.Inspect.SortedSetLengthAsync(Key("total")));
        Assert.Equal(1, await _redis.Inspect.SortedSetLengthAsync(Key("peer:p")));
        Assert.Equal(1, store.LiveLeaseCount);
    }

    [Fact]
    public async Task Two_instances_share_the_counts()
    {
        await using var a = Store(_redis.First, "instance-a");
        await using var b = Store(_redis.Second, "instance-b");
        ClusterLimit[] limits = [new("peer:p", 3)];

        ClusterSlots a1 = await a.TryAcquireSlotsAsync(Policy, limits);
        ClusterSlots a2 = await a.TryAcquireSlotsAsync(Policy, limits);
        ClusterSlots b1 = await b.TryAcquireSlotsAsync(Policy, limits);
        Assert.All(new[] { a1, a2, b1 }, slots => Assert.Equal(ClusterDecision.Granted, slots.Decision));
        Assert.Equal(ClusterDecision.Refused, (await b.TryAcquireSlotsAsync(Policy, limits)).Decision);
        Assert.Equal(ClusterDecision.Refused, (await a.TryAcquireSlotsAsync(Policy, limits)).Decision);

        a.ReleaseSlots(a1);
        ClusterSlots b2 = default;
        await Eventually.HoldsAsync(async () => (b2 = await b.TryAcquireSlotsAsync(Policy, limits)).Decision == ClusterDecision.Granted,
            TimeSpan.FromSeconds(5), "instance b gets the slot instance a released");

        RedisValue[] members = await _redis.Inspect.SortedSetRangeByRankAsync(Key("peer:p"));
        string[] expected = [Member(a2), Member(b1), Member(b2)];
        Assert.Equal(expected.Order(), members.Select(m => m.ToString()).Order());
        Assert.StartsWith("instance-a:", Member(a2));
        Assert.StartsWith("instance-b:", Member(b2));
    }

    [Fact]
    public async Task Keys_carry_the_policy_hash_tag_and_expire_a_while_after_the_lease_time()
    {
        await using var store = Store(_redis.First, "a");
        ClusterSlots held = await store.TryAcquireSlotsAsync(Policy, new ClusterLimit[] { new("total", 5) });

        var lease = Assert.IsType<SlotLease>(held.Lease);
        Assert.Equal($"{_prefix}{{{Policy}}}:total", lease.Keys[0].ToString());
        Assert.Equal("a:1", lease.Member.ToString());
        TimeSpan? ttl = await _redis.Inspect.KeyTimeToLiveAsync(Key("total"));
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(31), TimeSpan.FromSeconds(60));
        double? score = await _redis.Inspect.SortedSetScoreAsync(Key("total"), "a:1");
        RedisResult time = await _redis.Inspect.ExecuteAsync("TIME");
        var parts = (RedisValue[])time!;
        double nowMs = (long)parts[0] * 1000.0 + (long)parts[1] / 1000.0;
        Assert.NotNull(score);
        Assert.InRange(score.Value - nowMs, 28_000, 30_001); // scored by its expiry on Redis time
    }

    [Fact]
    public async Task Scripts_are_sent_again_when_the_server_forgot_them()
    {
        await using var store = Store(_redis.First, "a");
        ClusterLimit[] limits = [new("total", 5)];
        Assert.Equal(ClusterDecision.Granted, (await store.TryAcquireSlotsAsync(Policy, limits)).Decision);

        await _redis.Inspect.ExecuteAsync("SCRIPT", "FLUSH"); // as after a restart or a failover
        long evalsBefore = await EvalCallsAsync();

        Assert.Equal(ClusterDecision.Granted, (await store.TryAcquireSlotsAsync(Policy, limits)).Decision);
        Assert.Equal(ClusterDecision.Granted, (await store.TakeBudgetAsync(Policy, "budget", 1_000, 1_000, 10)).Decision);
        Assert.Equal(ClusterDecision.Granted, (await store.TryAcquireSlotsAsync(Policy, limits)).Decision);

        Assert.Equal(3, await _redis.Inspect.SortedSetLengthAsync(Key("total")));
        // NOSCRIPT twice (acquire, take), answered by sending each script in full once; then EVALSHA works again.
        Assert.Equal(evalsBefore + 2, await EvalCallsAsync());
    }

    [Fact]
    public async Task Dispose_gives_back_every_slot_the_store_holds()
    {
        var store = Store(_redis.First, "a");
        for (int i = 0; i < 3; i++) await store.TryAcquireSlotsAsync(Policy, new ClusterLimit[] { new("total", 5), new("peer:p", 5) });

        await store.DisposeAsync();

        Assert.Equal(0, await _redis.Inspect.SortedSetLengthAsync(Key("total")));
        Assert.Equal(0, await _redis.Inspect.SortedSetLengthAsync(Key("peer:p")));
        ClusterSlots afterDispose = await store.TryAcquireSlotsAsync(Policy, new ClusterLimit[] { new("total", 5) });
        Assert.Equal(ClusterDecision.UseLocal, afterDispose.Decision); // answered by the failure mode, no Redis call
        store.ReleaseSlots(afterDispose);
    }

    [Fact]
    public async Task Synchronous_Dispose_gives_back_every_slot_too()
    {
        var store = Store(_redis.First, "s");
        for (int i = 0; i < 2; i++) await store.TryAcquireSlotsAsync(Policy, new ClusterLimit[] { new("total", 5) });
        Assert.Equal(2, await _redis.Inspect.SortedSetLengthAsync(Key("total")));

        store.Dispose(); // as a service container disposed with Dispose() does

        Assert.Equal(0, await _redis.Inspect.SortedSetLengthAsync(Key("total")));
    }
}
