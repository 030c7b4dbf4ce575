using ProtocolSdk.Redis.Tests.Support;
using StackExchange.Redis;

namespace ProtocolSdk.Redis.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        var options = new RedisClusterStoreOptions();

        Assert.Equal("protocolsdk:", options.KeyPrefix);
        Assert.Equal(TimeSpan.FromSeconds(30), options.LeaseTime);
        Assert.Equal(ClusterFailureMode.FailLocal, options.FailureMode);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.OperationTimeout);
        Assert.Equal(3, options.BreakAfterFailures);
        Assert.Equal(TimeSpan.FromSeconds(5), options.BreakDuration);
        Assert.Same(TimeProvider.System, options.TimeProvider);
        Assert.StartsWith(Environment.MachineName + "-", options.InstanceId);
        Assert.NotEqual(options.InstanceId, new RedisClusterStoreOptions().InstanceId);
    }

    public static TheoryData<string, Action<RedisClusterStoreOptions>> OutOfRange => new()
    {
        { "KeyPrefix", o => o.KeyPrefix = "app{x}:" },
        { "KeyPrefix", o => o.KeyPrefix = new string('k', 257) },
        { "LeaseTime", o => o.LeaseTime = TimeSpan.Zero },
        { "LeaseTime", o => o.LeaseTime = TimeSpan.FromHours(2) },
        { "FailureMode", o => o.FailureMode = (ClusterFailureMode)7 },
        { "OperationTimeout", o => o.OperationTimeout = TimeSpan.FromMilliseconds(-1) },
        { "OperationTimeout", o => o.OperationTimeout = TimeSpan.FromMinutes(2) },
        { "BreakAfterFailures", o => o.BreakAfterFailures = 0 },
        { "BreakDuration", o => o.BreakDuration = TimeSpan.Zero },
        { "BreakDuration", o => o.BreakDuration = TimeSpan.FromHours(2) },
        { "InstanceId", o => o.InstanceId = "" },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void A_value_out_of_range_is_refused_naming_the_option(string option, Action<RedisClusterStoreOptions> set)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => set(new RedisClusterStoreOptions()));

        Assert.Equal(option, error.ParamName);
        Assert.Contains(option, error.Message);
    }

    [Fact]
    public void Null_values_are_refused()
    {
        var options = new RedisClusterStoreOptions();

        Assert.Equal("KeyPrefix", Assert.Throws<ArgumentNullException>(() => options.KeyPrefix = null!).ParamName);
        Assert.Equal("InstanceId", Assert.Throws<ArgumentNullException>(() => options.InstanceId = null!).ParamName);
        Assert.Equal("TimeProvider", Assert.Throws<ArgumentNullException>(() => options.TimeProvider = null!).ParamName);
    }

    [Fact]
    public async Task The_store_refuses_a_lease_time_shorter_than_three_operation_timeouts_and_bad_requests()
    {
        await using var nowhere = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{RedisServer.UnusedLoopbackPort()},abortConnect=false,connectTimeout=100");
        var tooShort = new RedisClusterStoreOptions { OperationTimeout = TimeSpan.FromSeconds(1), LeaseTime = TimeSpan.FromMilliseconds(2999) };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RedisClusterStore(nowhere, tooShort));
        Assert.Equal("LeaseTime", error.ParamName);
        Assert.Throws<ArgumentNullException>(() => new RedisClusterStore(null!));

        await using var store = new RedisClusterStore(nowhere, new RedisClusterStoreOptions { OperationTimeout = TimeSpan.FromMilliseconds(50) });
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.TryAcquireSlotsAsync("", new ClusterLimit[] { new("total", 1) }));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.TryAcquireSlotsAsync("bad}policy", new ClusterLimit[] { new("total", 1) }));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.TryAcquireSlotsAsync("p", ReadOnlyMemory<ClusterLimit>.Empty));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.TryAcquireSlotsAsync("p", new ClusterLimit[] { new("total", 0) }));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.TryAcquireSlotsAsync("p", new ClusterLimit[] { new("", 1) }));
        store.ReleaseSlots(default); // nothing held: nothing to do
        store.ReleaseSlots(new ClusterSlots(ClusterDecision.Granted, new object()));  // not this store's lease
    }
}
