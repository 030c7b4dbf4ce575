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

[Throttle(WriteBytesPerSecond = 200_000)]
public sealed partial class ThrottledBlaster : Protocol
{
    public override void ConnectionMade() => Transport.Write(new byte[2_000_000]);
}

/// <summary>The generated policies on real sockets (127.0.0.1, port 0).</summary>
public class PolicySocketTests
{
    [Fact]
    public async Task Per_peer_limit_by_source_address()
    {
        await using var server = await ProtocolServer.ListenTcpAsync<OnePerPeerGreeter>(Loopback.AnyPort);

        using var first = await Loopback.ConnectAsync(server.LocalEndPoint, IPAddress.Parse("127.0.0.1"));
        Assert.Equal("hi"u8.ToArray(), await Loopback.ReadExactlyAsync(first, 2));

        using var second = await Loopback.ConnectAsync(server.LocalEndPoint, IPAddress.Parse("127.0.0.1"));
        var buffer = new byte[16];
        int n;
        try { n = await second.ReceiveAsync(buffer, SocketFlags.None).WithTimeout("rejected connection closes"); }
        catch (SocketException) { n = 0; }
        Assert.Equal(0, n); // closed without a greeting

        using var other = await Loopback.ConnectAsync(server.LocalEndPoint, IPAddress.Parse("127.0.0.2"));
        Assert.Equal("hi"u8.ToArray(), await Loopback.ReadExactlyAsync(other, 2));
    }

    [Fact]
    public async Task Write_throttle_holds_the_rate_within_3_percent()
    {
        await using var server = await ProtocolServer.ListenTcpAsync<ThrottledBlaster>(Loopback.AnyPort);
        using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
        var clock = Stopwatch.StartNew();
        var buffer = new byte[64 * 1024];
        long total = 0, atOneSecond = -1;
        double oneSecondMark = 0;
        using var cts = new CancellationTokenSource(Loopback.Timeout);
        while (clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            var receive = client.ReceiveAsync(buffer, SocketFlags.None, cts.Token).AsTask();
            int n = await receive;
            if (n == 0) break;
            total += n;
            if (atOneSecond < 0 && clock.Elapsed >= TimeSpan.FromSeconds(1))
            {
                atOneSecond = total;
                oneSecondMark = clock.Elapsed.TotalSeconds;
            }
        }
        double seconds = clock.Elapsed.TotalSeconds - oneSecondMark;
        double rate = (total - atOneSecond) / seconds;
        Assert.True(atOneSecond > 0, "no data in the first second");
        Assert.InRange(rate, 200_000 * 0.97, 200_000 * 1.03);
    }
}
