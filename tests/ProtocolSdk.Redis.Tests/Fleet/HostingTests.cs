using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ProtocolSdk.Hosting;
using ProtocolSdk.Redis.Tests.Support;
using StackExchange.Redis;

namespace ProtocolSdk.Redis.Tests.Fleet;

/// <summary>The store from the container: an IConnectionMultiplexer registration, AddRedisClusterStore, AddProtocolServer.</summary>
public class HostingTests : IClassFixture<SharedRedis>
{
    private readonly SharedRedis _redis;

    public HostingTests(SharedRedis redis) => _redis = redis;

    [Fact]
    public async Task A_hosted_server_takes_the_Redis_store_from_the_container_and_counts_its_connections_in_Redis()
    {
        string prefix = SharedRedis.UniquePrefix();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<IConnectionMultiplexer>(_redis.First);
        builder.Services.AddRedisClusterStore(options => options.KeyPrefix = prefix);
        builder.Services.AddProtocolServer<FleetLimited>(options =>
        {
            options.Endpoints.Add(new IPEndPoint(IPAddress.Loopback, 0));
            options.ShutdownTimeout = TimeSpan.FromMilliseconds(200);
        });
        using var host = builder.Build();
        var store = Assert.IsType<RedisClusterStore>(host.Services.GetRequiredService<IClusterStore>());

        await host.StartAsync();
        try
        {
            var endpoint = host.Services.GetRequiredService<ProtocolServerHost<FleetLimited>>().LocalEndPoints[0];
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(endpoint);
            Assert.Equal(3, await client.ReceiveAsync(new byte[3], SocketFlags.None)); // admitted: greeted

            // The slot is in Redis, under the configured prefix, as this instance's member.
            await Eventually.HoldsAsync(async () =>
            {
                var server = _redis.First.GetServers()[0];
                foreach (var key in server.Keys(pattern: prefix + "*"))
                {
                    var members = await _redis.Inspect.SortedSetRangeByRankAsync(key);
                    if (members.Any(m => m.ToString().StartsWith(store.InstanceId, StringComparison.Ordinal))) return true;
                }
                return false;
            }, TimeSpan.FromSeconds(5), "the connection's lease in Redis");
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
