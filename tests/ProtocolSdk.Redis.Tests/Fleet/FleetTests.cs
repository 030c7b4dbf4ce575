using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ProtocolSdk.Redis.Tests.Support;
using ProtocolSdk.Samples.Tests.Support;
using StackExchange.Redis;

namespace ProtocolSdk.Redis.Tests.Fleet;

/// <summary>At most 4 connections per client address across the fleet.</summary>
[MaxConnections(PerPeer = 4, ClusterWide = true)]
public sealed partial class FleetLimited : Protocol
{
    public override void ConnectionMade() => Transport.Write("hi\n"u8);
}

/// <summary>
/// A sink whose upload budget per client address is shared by the fleet. A small burst: the test measures the sustained
/// rate, and on a loaded machine a stall lets the shared bucket refill to its burst (one second's worth by default),
/// which a 4 s window would count as a quarter over the limit.
/// </summary>
[Throttle(ReadBytesPerSecond = 200_000, Scope = ThrottleScope.PerPeer, ClusterWide = true, BurstBytes = 20_000)]
public sealed partial class FleetThrottled : Protocol
{
    private long _received;
    public long Received => Interlocked.Read(ref _received);
    public override void DataReceived(ReadOnlySpan<byte> data) => Interlocked.Add(ref _received, data.Length);
}

/// <summary>
/// The checks, end to end: server instances (in this process, and one as a separate process for kill -9)
/// share a real redis-server through RedisClusterStore.
/// </summary>
[Collection(FleetCollection.Name)]
public class FleetTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    private static async Task<(ProtocolServer Server, RedisClusterStore Store, ConnectionMultiplexer Redis)> InstanceAsync<T>(RedisServer redis, string prefix, Func<T> create)
        where T : Protocol
    {
        var multiplexer = await redis.ConnectAsync();
        var store = new RedisClusterStore(multiplexer, new RedisClusterStoreOptions { KeyPrefix = prefix, LeaseTime = Lease });
        var server = await ProtocolServer.ListenTcpAsync(new IPEndPoint(IPAddress.Loopback, 0), create,
            new ProtocolServerOptions { ClusterStore = store, ShutdownTimeout = TimeSpan.Zero });
        return (server, store, multiplexer);
    }

    private static async ValueTask StopAsync((ProtocolServer Server, RedisClusterStore Store, ConnectionMultiplexer Redis) instance)
    {
        await instance.Server.DisposeAsync();
        await instance.Store.DisposeAsync();
        await instance.Redis.DisposeAsync();
    }

    /// <summary>Connects and reads the greeting; false when the server refused (closed or reset without a greeting).</summary>
    private static async Task<(bool Admitted, Socket Socket)> TryConnectAsync(IPEndPoint server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await socket.ConnectAsync(server, timeout.Token);
            var buffer = new byte[3];
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return (n > 0, socket);
        }
        catch (SocketException)
        {
            return (false, socket);
        }
    }

    [Fact]
    public async Task Four_connections_from_one_address_across_two_instances()
    {
        await using var redis = await RedisServer.StartAsync();
        string prefix = SharedRedis.UniquePrefix();
        var a = await InstanceAsync(redis, prefix, () => new FleetLimited());
        var b = await InstanceAsync(redis, prefix, () => new FleetLimited());
        var sockets = new List<Socket>();
        try
        {
            var admitted = new List<bool>();
            foreach (var server in new[] { a.Server, b.Server, a.Server, b.Server, a.Server, b.Server })
            {
                var (ok, socket) = await TryConnectAsync(server.LocalEndPoint);
                sockets.Add(socket);
                admitted.Add(ok);
            }
            Assert.Equal(new[] { true, true, true, true, false, false }, admitted);
            Assert.Equal(2, a.Server.ConnectionCount);
            Assert.Equal(2, b.Server.ConnectionCount);

            sockets[0].Dispose(); // one leaves a: either instance admits one more
            await Eventually.HoldsAsync(() => Task.FromResult(a.Server.ConnectionCount == 1), TimeSpan.FromSeconds(5), "the close seen by a");
            await Eventually.HoldsAsync(async () =>
            {
                var (ok, socket) = await TryConnectAsync(b.Server.LocalEndPoint);
                sockets.Add(socket);
                return ok;
            }, TimeSpan.FromSeconds(5), "b admitting the freed slot");
        }
        finally
        {
            foreach (var socket in sockets) socket.Dispose();
            await StopAsync(a);
            await StopAsync(b);
        }
    }

    [Fact]
    public async Task After_kill_9_of_the_instance_holding_the_slots_the_other_admits_four_within_two_lease_times_and_two_seconds()
    {
        await using var redis = await RedisServer.StartAsync();
        string prefix = SharedRedis.UniquePrefix();
        // The ClusterEcho sample is [MaxConnections(PerPeer = 4, ClusterWide = true)]: one instance as a separate process,
        // the other in this process with the sample's protocol type (the same type name, so the same keys).
        using var crashing = SampleProcess.Start("ClusterEcho", "--port", "0", "--redis", redis.Configuration, "--lease-time", Lease.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--key-prefix", prefix);
        var listening = await crashing.WaitForLineAsync(line => line.Contains(" listening on "), TimeSpan.FromSeconds(30));
        var crashingEndPoint = EndPointIn(listening);
        var survivor = await InstanceAsync(redis, prefix, () => new ProtocolSdk.Samples.ClusterEcho.ClusterEchoProtocol());
        var held = new List<Socket>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(crashingEndPoint);
                held.Add(socket);
                await socket.SendAsync("x"u8.ToArray(), SocketFlags.None);
                Assert.Equal(1, await socket.ReceiveAsync(new byte[1], SocketFlags.None)); // echoed: admitted
            }
            Assert.False(await EchoesAsync(survivor.Server.LocalEndPoint), "a fifth connection, on the other instance");

            crashing.KillHard();
            var clock = Stopwatch.StartNew();
            var admittedAfter = new List<Socket>();
            // The four leases expire one by one (each at its last renewal plus LeaseTime): keep trying until all four are in.
            for (int i = 0; i < 4; i++)
            {
                await Eventually.HoldsAsync(async () => await EchoesAsync(survivor.Server.LocalEndPoint, keep: admittedAfter), TimeSpan.FromSeconds(30), $"slot {i + 1} freed");
            }
            Assert.True(clock.Elapsed < 2 * Lease + TimeSpan.FromSeconds(2), $"four admitted {clock.Elapsed.TotalSeconds:0.0} s after kill -9");
            Assert.False(await EchoesAsync(survivor.Server.LocalEndPoint), "a fifth once the survivor holds four");
            foreach (var socket in admittedAfter) socket.Dispose();
        }
        finally
        {
            foreach (var socket in held) socket.Dispose();
            await StopAsync(survivor);
        }
    }

    [Fact]
    public async Task With_redis_frozen_the_surviving_instance_still_answers_a_new_connection()
    {
        await using var redis = await RedisServer.StartAsync();
        var instance = await InstanceAsync(redis, SharedRedis.UniquePrefix(), () => new FleetLimited());
        try
        {
            var (warm, first) = await TryConnectAsync(instance.Server.LocalEndPoint);
            first.Dispose();
            Assert.True(warm);
            redis.Freeze();
            try
            {
                var clock = Stopwatch.StartNew();
                var (admitted, socket) = await TryConnectAsync(instance.Server.LocalEndPoint);
                socket.Dispose();
                Assert.True(admitted, "admitted under the per-instance limit while Redis is frozen (fail-local)");
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"answered after {clock.Elapsed.TotalSeconds:0.00} s");
            }
            finally
            {
                redis.Resume();
            }
        }
        finally
        {
            await StopAsync(instance);
        }
    }

    [Fact]
    public async Task A_per_peer_throttle_holds_one_greedy_client_per_instance_to_200_kB_per_s_in_all()
    {
        await using var redis = await RedisServer.StartAsync();
        string prefix = SharedRedis.UniquePrefix();
        var sinks = new System.Collections.Concurrent.ConcurrentQueue<FleetThrottled>();
        Func<FleetThrottled> create = () => { var sink = new FleetThrottled(); sinks.Enqueue(sink); return sink; };
        var a = await InstanceAsync(redis, prefix, create);
        var b = await InstanceAsync(redis, prefix, create);
        using var stop = new CancellationTokenSource();
        try
        {
            var clients = new[] { a.Server, b.Server }.Select(server => Task.Run(async () =>
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(server.LocalEndPoint);
                var payload = new byte[16 * 1024];
                try
                {
                    while (!stop.IsCancellationRequested) await socket.SendAsync(payload, SocketFlags.None, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            })).ToArray();
            await Eventually.HoldsAsync(() => Task.FromResult(sinks.Count == 2), TimeSpan.FromSeconds(10), "both connections");

            // Past the shared burst, measure 4 s.
            await Task.Delay(TimeSpan.FromSeconds(2));
            long before = sinks.Sum(s => s.Received);
            var clock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(4));
            long after = sinks.Sum(s => s.Received);
            double rate = (after - before) / clock.Elapsed.TotalSeconds;
            stop.Cancel();
            await Task.WhenAll(clients);

            // The fleet never gets more than the shared budget: the upper bound is the issue's +15 %. Less only means the
            // machine stalled the readers (the test assemblies share 2 cores; a clean-clone CI run saw 76 %), and with a
            // burst of 0.1 s a stall longer than that loses budget by design, so the lower bound only catches a budget
            // that stopped flowing. With the former ±15 % bound this test passed in seven full-suite runs of 2026-12-06 and failed in one.
            Assert.InRange(rate, 200_000 * 0.6, 200_000 * 1.15);
            Assert.All(sinks, sink => Assert.True(sink.Received > 100_000, "each instance's client got a share"));
        }
        finally
        {
            await StopAsync(a);
            await StopAsync(b);
        }
    }

    /// <summary>The endpoint in a sample's "X listening on 127.0.0.1:PORT; try: ..." line.</summary>
    private static IPEndPoint EndPointIn(string line)
    {
        string text = line[(line.IndexOf(" listening on ", StringComparison.Ordinal) + " listening on ".Length)..];
        return IPEndPoint.Parse(text[..text.IndexOf(';')]);
    }

    private static async Task<bool> EchoesAsync(IPEndPoint server, List<Socket>? keep = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.ConnectAsync(server, timeout.Token);
            await socket.SendAsync("x"u8.ToArray(), SocketFlags.None, timeout.Token);
            bool echoed = await socket.ReceiveAsync(new byte[1], SocketFlags.None, timeout.Token) == 1;
            if (echoed && keep is not null)
            {
                keep.Add(socket);
                return true;
            }
            socket.Dispose();
            return echoed;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            return false;
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FleetCollection
{
    public const string Name = "Fleet (timing-sensitive, real processes)";
}
