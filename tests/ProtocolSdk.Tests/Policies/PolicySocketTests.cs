using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Policies;

[MaxConnections(PerPeer = 1)]
public sealed partial class OnePerPeerGreeter : Protocol
{
    public override void ConnectionMade() => Transport.Write("hi"u8);
}

[Throttle(WriteBytesPerSecond = 200_000)] // default burst: one second's worth
public sealed partial class ThrottledBlaster : Protocol
{
    public override void ConnectionMade() => Transport.Write(new byte[2_000_000]);
}

/// <summary>Timing-sensitive socket tests run alone, after the parallel ones (2 shared cores).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitiveSockets
{
    public const string Name = "Timing-sensitive sockets";
}

/// <summary>
/// The generated policies on real sockets (127.0.0.1, port 0). The write-rate test measures from before the server's
/// first byte, so a stall of its reader (a loaded machine running the suite in parallel) can only lower the figure.
/// </summary>
[Collection(TimingSensitiveSockets.Name)]
public class PolicySocketTests
{
    [Fact]
    public async Task Per_peer_limit_by_source_address()
    {
        await using var server = await ProtocolServer.ListenTcpAsync<OnePerPeerGreeter>(Loopback.AnyPort);

        using var first = await Loopback.ConnectAsync(server.LocalEndPoint, IPAddress.Parse("127.0.0.1"));
        Assert.Equal("hi"u8.ToArray(), await Loopback.ReadExactlyAsync(first, 2));

        // The server accepts and then resets the rejected connection at once: the reset may even beat the client's
        // connect completion. Either way, the greeting never arrives.
        int n;
        try
        {
            using var second = await Loopback.ConnectAsync(server.LocalEndPoint, IPAddress.Parse("127.0.0.1"));
            n = await second.ReceiveAsync(new byte[16], SocketFlags.None).WithTimeout("rejected connection closes");
        }
        catch (SocketException)
        {
            n = 0;
        }
        Assert.Equal(0, n);

        using var other = await Loopback.ConnectAsync(server.LocalEndPoint, IPAddress.Parse("127.0.0.2"));
        Assert.Equal("hi"u8.ToArray(), await Loopback.ReadExactlyAsync(other, 2));
    }

    /// <summary>
    /// A sanity check on real sockets and real time: the rate is the limit — never above it, and not starved. The
    /// precise figures (mean within 3 %, no 1-second window above 110 %) are asserted deterministically on the fake
    /// clock in <see cref="ThrottleAccuracyTests"/> and measured from outside with loadgen in docs/performance.md.
    /// Real time on a shared 2-core machine running other test assemblies stalls the thread pool now and then (seen:
    /// 0.6 s in a cold test host), so: the default burst (1 s) lets the throttle catch up after a stall, the first
    /// 1.5 s (the initial burst, warm-up) are not measured, and the lower bound is loose while the upper one is not.
    /// </summary>
    [Fact]
    public async Task Write_throttle_holds_the_rate_on_real_sockets()
    {
        const int Rate = 200_000, Burst = 200_000; // ThrottledBlaster: the bucket starts full with one second's worth
        await using var server = await ProtocolServer.ListenTcpAsync<ThrottledBlaster>(Loopback.AnyPort);
        using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
        var clock = Stopwatch.StartNew(); // the server's throttle starts later, at ConnectionMade
        var buffer = new byte[64 * 1024];
        long total = 0;
        using var cts = new CancellationTokenSource(Loopback.Timeout);
        while (total < Burst + 2 * Rate) // the burst, then two seconds' worth at the rate
        {
            int n = await client.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (n == 0) throw new EndOfStreamException();
            total += n;
        }
        // Over the whole run, from before the server's first byte: what arrived beyond the burst can never exceed the
        // rate (bytes a stalled reader finds waiting in the kernel were sent in time), so the upper bound is strict; a
        // late wake-up of the server or of this reader only lowers the figure, hence the looser lower bound.
        double rate = (total - Burst) / clock.Elapsed.TotalSeconds;
        Assert.InRange(rate, Rate * 0.75, Rate * 1.02);
    }
}
