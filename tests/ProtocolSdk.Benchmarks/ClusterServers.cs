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

/// <summary>The same echo behind a ClusterWide per-peer throttle that does bite (20 MB/s): Redis traffic of a budget in use.</summary>
[Throttle(ReadBytesPerSecond = 20_000_000, Scope = ThrottleScope.PerPeer, ClusterWide = true)]
public sealed partial class SdkClusterThrottle20MBEcho : Protocol
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

    public static Task<int> ServeClusterThrottle20MBAsync(int port, string? redis, bool watchStdin) => ServeAsync<SdkClusterThrottle20MBEcho>(port, RequireRedis(redis), watchStdin);

    private static string RequireRedis(string? redis) => redis ?? throw new ArgumentException("the ClusterWide servers need --redis HOST:PORT");

    private static async Task<int> ServeAsync<TProtocol>(int port, string? redis, bool watchStdin) where TProtocol : Protocol, new()
    {
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        if (redis is null)
        {
            await using var local = await ProtocolServer.ListenTcpAsync<TProtocol>(endpoint).ConfigureAwait(false);
            return await Servers.ServeUntilStoppedAsync(local.LocalEndPoint.Port, watchStdin).ConfigureAwait(false);
        }

        using var probe = new StoreMetricsProbe();
        ServerStats.ExtraFields = probe.TakeFields;

        await using var multiplexer = await ConnectionMultiplexer.ConnectAsync($"{redis},abortConnect=false").ConfigureAwait(false);
        await using var store = new RedisClusterStore(multiplexer, new RedisClusterStoreOptions());
        await using var server = await ProtocolServer.ListenTcpAsync<TProtocol>(endpoint, new ProtocolServerOptions { ClusterStore = store }).ConfigureAwait(false);
        return await Servers.ServeUntilStoppedAsync(server.LocalEndPoint.Port, watchStdin).ConfigureAwait(false);
    }
}

/// <summary>
/// Listens to the store's meter in the server process: Redis calls so far (<c>protocolsdk.cluster.operations</c>) and
/// the store's own admission times (<c>protocolsdk.cluster.admission.duration</c>, Redis round trip included) since
/// the previous stats line, as p50/p99: the part of connect-to-greeting spent waiting for the store.
/// </summary>
internal sealed class StoreMetricsProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<double> _admissionMs = new();
    private long _operations;

    public StoreMetricsProbe()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "ProtocolSdk.Redis" && instrument.Name is "protocolsdk.cluster.operations" or "protocolsdk.cluster.admission.duration")
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _operations, value));
        _listener.SetMeasurementEventCallback<double>((_, value, _, _) => { lock (_admissionMs) _admissionMs.Add(value); });
        _listener.Start();
    }

    /// <summary><c> store_ops=N admissions=K admission_p50_ms=X admission_p99_ms=Y</c>; the admission times are then cleared.</summary>
    public string TakeFields()
    {
        double[] times;
        lock (_admissionMs)
        {
            times = _admissionMs.ToArray();
            _admissionMs.Clear();
        }
        Array.Sort(times);
        double P(double q) => times.Length == 0 ? double.NaN : times[Math.Min(times.Length - 1, (int)Math.Ceiling(q * times.Length) - 1)];
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $" store_ops={Interlocked.Read(ref _operations)} admissions={times.Length} admission_p50_ms={P(0.50):F4} admission_p99_ms={P(0.99):F4}");
    }

    public void Dispose() => _listener.Dispose();
}
