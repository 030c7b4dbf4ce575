using System.Diagnostics.Metrics;
using System.Net;
using ProtocolSdk.Redis;
using StackExchange.Redis;

namespace ProtocolSdk.Benchmarks;

/// <summary>Greets every admitted connection; the per-peer limit never bites, so connect-to-greeting time is the cost of admission.</summary>
[MaxConnections(PerPeer = 1_000_000)]
public sealed partial class SdkLocalAdmission : Protocol
{
    public override void ConnectionMade() => Transport.Write("hi\n"u8);
}

/// <summary>The same greeting behind the same limit, counted in the Redis store: one store call before ConnectionMade.</summary>
[MaxConnections(PerPeer = 1_000_000, ClusterWide = true)]
public sealed partial class SdkClusterAdmission : Protocol
{
    public override void ConnectionMade() => Transport.Write("hi\n"u8);
}

/// <summary>Echo behind a per-peer read throttle that never bites (10 GB/s), counted locally.</summary>
[Throttle(ReadBytesPerSecond = 10_000_000_000, Scope = ThrottleScope.PerPeer)]
public sealed partial class SdkLocalThrottleEcho : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
}

/// <summary>The same echo and throttle with its budget leased from the Redis store.</summary>
[Throttle(ReadBytesPerSecond = 10_000_000_000, Scope = ThrottleScope.PerPeer, ClusterWide = true)]
public sealed partial class SdkClusterThrottleEcho : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
}

/// <summary>
/// The servers of the <c>cluster</c> benchmark. The ClusterWide kinds connect to the redis-server given with
/// <c>--redis HOST:PORT</c> and count the store's Redis calls (meter "ProtocolSdk.Redis",
/// <c>protocolsdk.cluster.operations</c>) for the driver's <c>stats</c> line.
/// </summary>
internal static class ClusterServers
{
    public static Task<int> ServeLocalAdmissionAsync(int port, bool watchStdin) => ServeAsync<SdkLocalAdmission>(port, redis: null, watchStdin);

    public static Task<int> ServeClusterAdmissionAsync(int port, string? redis, bool watchStdin) => ServeAsync<SdkClusterAdmission>(port, RequireRedis(redis), watchStdin);

    public static Task<int> ServeLocalThrottleAsync(int port, bool watchStdin) => ServeAsync<SdkLocalThrottleEcho>(port, redis: null, watchStdin);

    public static Task<int> ServeClusterThrottleAsync(int port, string? redis, bool watchStdin) => ServeAsync<SdkClusterThrottleEcho>(port, RequireRedis(redis), watchStdin);

    private static string RequireRedis(string? redis) => redis ?? throw new ArgumentException("the ClusterWide servers need --redis HOST:PORT");

    private static async Task<int> ServeAsync<TProtocol>(int port, string? redis, bool watchStdin) where TProtocol : Protocol, new()
    {
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        if (redis is null)
        {
            await using var local = await ProtocolServer.ListenTcpAsync<TProtocol>(endpoint).ConfigureAwait(false);
            return await Servers.ServeUntilStoppedAsync(local.LocalEndPoint.Port, watchStdin).ConfigureAwait(false);
        }

        long storeOperations = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "ProtocolSdk.Redis" && instrument.Name == "protocolsdk.cluster.operations") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref storeOperations, value));
        listener.Start();
        ServerStats.StoreOperations = () => Interlocked.Read(ref storeOperations);

        await using var multiplexer = await ConnectionMultiplexer.ConnectAsync($"{redis},abortConnect=false").ConfigureAwait(false);
        await using var store = new RedisClusterStore(multiplexer, new RedisClusterStoreOptions());
        await using var server = await ProtocolServer.ListenTcpAsync<TProtocol>(endpoint, new ProtocolServerOptions { ClusterStore = store }).ConfigureAwait(false);
        return await Servers.ServeUntilStoppedAsync(server.LocalEndPoint.Port, watchStdin).ConfigureAwait(false);
    }
}
