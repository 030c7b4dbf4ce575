using StackExchange.Redis;

namespace ProtocolSdk.Redis.Tests.Support;

/// <summary>
/// One redis-server for a test class, with two multiplexers (two "instances") and a third for inspecting keys. Tests
/// isolate themselves by a unique key prefix; tests that freeze or kill Redis start their own server instead.
/// </summary>
public sealed class SharedRedis : IAsyncLifetime
{
    private RedisServer? _server;

    public RedisServer Server => _server ?? throw new InvalidOperationException("not started");

    public ConnectionMultiplexer First { get; private set; } = null!;

    public ConnectionMultiplexer Second { get; private set; } = null!;

    /// <summary>For reading what the stores wrote (never given to a store).</summary>
    public IDatabase Inspect { get; private set; } = null!;

    private ConnectionMultiplexer _inspector = null!;

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        First = await _server.ConnectAsync();
        Second = await _server.ConnectAsync();
        _inspector = await ConnectionMultiplexer.ConnectAsync(_server.Configuration + ",allowAdmin=true"); // INFO
        Inspect = _inspector.GetDatabase();
    }

    public async Task DisposeAsync()
    {
        foreach (ConnectionMultiplexer? multiplexer in new[] { First, Second, _inspector })
        {
            if (multiplexer is not null) await multiplexer.DisposeAsync();
        }
        if (_server is not null) await _server.DisposeAsync();
    }

    public static string UniquePrefix() => "t" + Guid.NewGuid().ToString("N")[..12] + ":";
}
