using ProtocolSdk.Policies;
using ProtocolSdk.Testing;

namespace ProtocolSdk.Tests.Policies;

/// <summary>Output held back by our own write throttle is our doing, not the peer's.</summary>
[MinDataRate(BytesPerSecond = 1000, GraceSeconds = 2)]
[Throttle(WriteBytesPerSecond = 100, BurstBytes = 100)]
public sealed partial class ThrottledPusher : Protocol
{
    public override void ConnectionMade() => Transport.Write(new byte[10_000]);
}

/// <summary>[MinDataRate] on the outbound side: a peer that keeps its receive window shut is a slow reader.</summary>
public class MinDataRateOutboundTests
{
    /// <summary>Wired as the generated code wires [MinDataRate(BytesPerSecond = 100, GraceSeconds = 2)].</summary>
    private sealed class Pusher : Protocol
    {
        private static readonly MinDataRatePolicy Policy = new(bytesPerSecond: 100, graceSeconds: 2);
        private MinDataRateSession _session;
        public DisconnectReason? LostReason;
        protected override void OnPolicyConnectionMade() => _session = Policy.Start(Transport);
        protected override void OnPolicyConnectionLost(DisconnectReason reason) => _session.Stop();
        public override void ConnectionLost(DisconnectReason reason) => LostReason = reason;
    }

    /// <summary>The peer sends fast enough (so the inbound side is content) while the test sets how much it reads.</summary>
    private static void Run(ProtocolTestHost host, TestConnection conn, TimeSpan duration)
    {
        for (var t = TimeSpan.Zero; t < duration && !conn.IsClosed; t += TimeSpan.FromMilliseconds(250))
        {
            conn.Send(new byte[50]); // 200 B/s inbound, above the 100 B/s minimum
            host.Advance(TimeSpan.FromMilliseconds(250));
        }
    }

    [Fact]
    public void A_peer_that_stops_reading_is_closed_as_a_slow_reader_after_the_grace_period()
    {
        using var host = new ProtocolTestHost();
        var protocol = new Pusher();
        var conn = host.Connect(protocol);
        conn.Transport.SetPeerReceiveWindow(0); // its window is shut
        protocol.Transport.Write(new byte[10_000]);
        Run(host, conn, TimeSpan.FromSeconds(1.5));
        Assert.False(conn.IsClosed); // within the grace period
        Run(host, conn, TimeSpan.FromSeconds(2));
        Assert.True(conn.IsClosed);
        var reason = protocol.LostReason!.Value;
        Assert.Equal(DisconnectKind.PolicyViolation, reason.Kind);
        Assert.Contains("slow reader", reason.Message);
        Assert.Contains("outbound", reason.Message);
        Assert.Equal(0, host.PendingTimers);
    }

    [Fact]
    public void A_peer_that_reads_slower_than_the_minimum_is_closed()
    {
        using var host = new ProtocolTestHost();
        var protocol = new Pusher();
        var conn = host.Connect(protocol);
        conn.Transport.SetPeerReceiveWindow(0);
        protocol.Transport.Write(new byte[10_000]);
        for (int i = 0; i < 40 && !conn.IsClosed; i++)
        {
            conn.Transport.SetPeerReceiveWindow(10); // 10 bytes per 250 ms = 40 B/s
            conn.Send(new byte[50]);
            host.Advance(TimeSpan.FromMilliseconds(250));
        }
        Assert.True(conn.IsClosed);
        Assert.Contains("slow reader", protocol.LostReason!.Value.Message);
    }

    [Fact]
    public void A_peer_that_reads_at_the_minimum_rate_or_faster_stays()
    {
        using var host = new ProtocolTestHost();
        var protocol = new Pusher();
        var conn = host.Connect(protocol);
        conn.Transport.SetPeerReceiveWindow(0);
        protocol.Transport.Write(new byte[100_000]);
        for (int i = 0; i < 40; i++)
        {
            conn.Transport.SetPeerReceiveWindow(40); // 40 bytes per 250 ms = 160 B/s
            conn.Send(new byte[50]);
            host.Advance(TimeSpan.FromMilliseconds(250));
        }
        Assert.False(conn.IsClosed);
        Assert.True(protocol.Transport.BufferedBytes > 0); // output waited all along
    }

    [Fact]
    public void Nothing_buffered_means_nothing_to_judge_outbound()
    {
        using var host = new ProtocolTestHost();
        var protocol = new Pusher();
        var conn = host.Connect(protocol);
        conn.Transport.SetPeerReceiveWindow(0); // not reading, but we send nothing
        Run(host, conn, TimeSpan.FromSeconds(10));
        Assert.False(conn.IsClosed);
    }

    [Fact]
    public void Output_held_back_by_our_own_write_throttle_is_not_held_against_the_peer()
    {
        using var host = new ProtocolTestHost();
        var conn = host.Connect(new ThrottledPusher());
        for (int i = 0; i < 40; i++)
        {
            conn.Send(new byte[300]); // 1200 B/s inbound: fine
            host.Advance(TimeSpan.FromMilliseconds(250));
        }
        Assert.False(conn.IsClosed);
        Assert.InRange(conn.Transport.Written.Length, 900, 1300); // ~100 B/s for 10 s plus the burst
    }
}

/// <summary>Pushes far more than a non-reading client's socket buffers hold.</summary>
[MinDataRate(BytesPerSecond = 10_000, GraceSeconds = 1)]
public sealed partial class FloodsNonReader : Protocol
{
    public readonly ManualResetEventSlim Lost = new();
    public DisconnectReason? Reason;
    public override void ConnectionMade() => Transport.Write(new byte[8 * 1024 * 1024]);

    public override void ConnectionLost(DisconnectReason reason)
    {
        Reason = reason;
        Lost.Set();
    }
}

/// <summary>The outbound judgement on a real socket (127.0.0.1, port 0) against a client that never reads.</summary>
[Collection(TimingSensitiveSockets.Name)]
public class MinDataRateOutboundSocketTests
{
    [Fact]
    public async Task A_client_that_never_reads_is_closed_as_a_slow_reader()
    {
        FloodsNonReader? server = null;
        await using var listener = await ProtocolServer.ListenTcpAsync(Support.Loopback.AnyPort, () => server = new FloodsNonReader());
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp)
        {
            ReceiveBufferSize = 16 * 1024, // and it never reads: its window fills and stays shut
        };
        using (socket)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await socket.ConnectAsync(listener.LocalEndPoint);
            await Support.Loopback.WaitUntilAsync(() => server is not null, "connection made");
            Assert.True(server!.Lost.Wait(Support.Loopback.Timeout));
            Assert.Equal(DisconnectKind.PolicyViolation, server.Reason?.Kind);
            Assert.StartsWith("slow reader", server.Reason!.Value.Message);
            Assert.InRange(watch.Elapsed.TotalSeconds, 1.0, 10.0); // the grace period, then one judged window
        }
    }
}
