using System.Net.Sockets;
using ProtocolSdk.Reliability.Support;
using Xunit.Abstractions;

namespace ProtocolSdk.Reliability;

/// <summary>
/// Scenario 4. Random faults at random points: half-closes, resets in the middle of writing or reading, server aborts
/// and graceful closes, connect-and-reset, then a server shutdown during traffic. Afterwards: exactly one
/// ConnectionLost per ConnectionMade, no overlapping callbacks, ConnectionCount 0, timer wheel empty, the
/// MaxConnections counts back to zero (the limit can be filled exactly again), no unobserved task exceptions.
/// </summary>
[Collection(Serial.Name)]
public class FaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Random_resets_and_half_closes_leave_nothing_behind()
    {
        using var unobserved = new UnobservedTaskWatch();
        int iterations = Soak.Pick(400, 5000);
        const int parallel = 8;
        var lifecycle = new Lifecycle();
        var server = await ProtocolServer.ListenTcpAsync(Net.AnyPort, () => new FaultEcho(lifecycle));
        var ep = server.LocalEndPoint;
        var kinds = new int[8];
        int next = -1;

        async Task Worker(int seed)
        {
            var rng = new Random(seed);
            while (Interlocked.Increment(ref next) < iterations)
            {
                int kind = rng.Next(kinds.Length);
                Interlocked.Increment(ref kinds[kind]);
                await RunOneAsync(ep, kind, rng);
            }
        }

        await Task.WhenAll(Enumerable.Range(1, parallel).Select(Worker)).WithTimeout("fault run", TimeSpan.FromMinutes(Soak.Long ? 20 : 2));
        await Net.WaitUntilAsync(() => server.ConnectionCount == 0 && server.SocketCount == 0, "ConnectionCount and SocketCount back to 0");
        await Net.WaitUntilAsync(() => lifecycle.Live == 0, "every ConnectionLost ran");
        await Net.WaitUntilAsync(() => ServerProbe.PendingTimers(server) == 0, "timer wheel empty");
        lifecycle.AssertBalanced();
        output.WriteLine($"{iterations} faulty connections, kinds [{string.Join(",", kinds)}], made={lifecycle.Made} lost={lifecycle.Lost} " +
                         $"reasons: {string.Join(", ", lifecycle.All.Where(s => s.Made > 0).GroupBy(s => s.Reason.Kind).Select(g => $"{g.Key}={g.Count()}"))}");

        // The MaxConnections counts are back to zero: the limit can be filled exactly once more, and not beyond.
        var full = new List<Socket>();
        var msg = "ping"u8.ToArray();
        var reply = new byte[4];
        for (int i = 0; i < FaultEcho.TotalLimit; i++)
        {
            var s = await Net.ConnectAsync(ep, Net.Honest);
            full.Add(s);
            await Net.EchoOnceAsync(s, msg, reply);
        }
        Assert.Equal(0, await Net.RefusedBytesAsync(ep, Net.Honest));

        // Shutdown during traffic: the full set keeps echoing while the server is disposed.
        var pumps = full.Select(s => Task.Run(async () =>
        {
            var m = new byte[512];
            var r = new byte[512];
            try
            {
                while (true) await Net.EchoOnceAsync(s, m, r);
            }
            catch (Exception)
            {
                // the server went away mid-echo: expected; close as a well-behaved client does, so its linger ends
                s.Dispose();
            }
        })).ToList();
        Assert.True(pumps.All(p => !p.IsCompleted), "pumps running");
        await server.DisposeAsync().AsTask().WithTimeout("dispose during traffic");
        await Task.WhenAll(pumps).WithTimeout("clients see the shutdown");
        foreach (var s in full) s.Dispose();

        Assert.Equal(0, server.ConnectionCount);
        Assert.Equal(0, lifecycle.Live);
        Assert.Equal(0, ServerProbe.PendingTimers(server));
        lifecycle.AssertBalanced();
        Assert.Equal(FaultEcho.TotalLimit, lifecycle.All.Count(s => s.Reason.Kind == DisconnectKind.ServerShutdown));
        unobserved.AssertNone();
    }

    private static async Task RunOneAsync(System.Net.IPEndPoint ep, int kind, Random rng)
    {
        Socket s;
        try
        {
            s = await Net.ConnectAsync(ep, Net.Honest);
        }
        catch (SocketException)
        {
            return;
        }
        try
        {
            byte[] Payload(int n)
            {
                var b = new byte[n];
                for (int i = 0; i < n; i++) b[i] = (byte)('a' + rng.Next(26));
                return b;
            }

            switch (kind)
            {
                case 0: // half-close after sending: the whole echo arrives, then a clean EOF
                {
                    var data = Payload(rng.Next(1, 200_000));
                    var send = s.SendAsync(data, SocketFlags.None);
                    var drain = Net.DrainAsync(s);
                    await send;
                    s.Shutdown(SocketShutdown.Send);
                    var (bytes, clean) = await drain;
                    Assert.True(clean, "half-close should end with a clean EOF");
                    Assert.Equal(data.Length, bytes);
                    break;
                }
                case 1: // reset in the middle of writing (the client never reads; the server is blocked echoing)
                {
                    var data = Payload(rng.Next(1, 1_000_000));
                    var send = s.SendAsync(data, SocketFlags.None);
                    await Task.WhenAny(send, Task.Delay(rng.Next(0, 20)));
                    Net.Reset(s);
                    try { await send; } catch (Exception ex) when (ex is SocketException or ObjectDisposedException) { }
                    break;
                }
                case 2: // reset in the middle of reading the echo
                {
                    var data = Payload(rng.Next(1000, 300_000));
                    await s.SendAsync(data, SocketFlags.None);
                    await Net.ReadExactlyAsync(s, new byte[rng.Next(1, 1000)]);
                    Net.Reset(s);
                    break;
                }
                case 3: // server abort mid-stream
                {
                    var data = Payload(rng.Next(1, 50_000));
                    data[rng.Next(data.Length)] = (byte)'!';
                    await s.SendAsync(data, SocketFlags.None);
                    await Net.DrainAsync(s);
                    break;
                }
                case 4: // server graceful close mid-stream
                {
                    var data = Payload(rng.Next(1, 50_000));
                    data[rng.Next(data.Length)] = (byte)'~';
                    await s.SendAsync(data, SocketFlags.None);
                    var (_, clean) = await Net.DrainAsync(s);
                    _ = clean; // either: the rest of the client's data may arrive after the close and earn a reset
                    break;
                }
                case 5: // connect and reset at once (possibly before ConnectionMade ran)
                    Net.Reset(s);
                    break;
                case 6: // half-close without sending anything
                {
                    s.Shutdown(SocketShutdown.Send);
                    var (bytes, clean) = await Net.DrainAsync(s);
                    Assert.True(clean);
                    Assert.Equal(0, bytes);
                    break;
                }
                default: // plain close while the server still writes
                {
                    await s.SendAsync(Payload(rng.Next(1, 100_000)), SocketFlags.None);
                    s.Close();
                    break;
                }
            }
        }
        finally
        {
            s.Dispose();
        }
    }
}
