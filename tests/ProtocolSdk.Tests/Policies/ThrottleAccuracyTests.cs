using ProtocolSdk.Testing;

namespace ProtocolSdk.Tests.Policies;

[Throttle(WriteBytesPerSecond = 64 * 1024)]
public sealed partial class SaturatedWriter : Protocol, IPushProducer
{
    private bool _paused;

    public override void ConnectionMade()
    {
        Transport.RegisterProducer(this);
        Produce();
    }

    private void Produce()
    {
        while (!_paused && IsConnected) Transport.Write(new byte[8 * 1024]);
    }

    public void PauseProducing() => _paused = true;

    public void ResumeProducing()
    {
        _paused = false;
        Produce();
    }

    public void StopProducing() => _paused = true;
}

[Throttle(ReadBytesPerSecond = 64 * 1024)]
public sealed partial class SaturatedReader : Protocol
{
    public long Received;
    public override void DataReceived(ReadOnlySpan<byte> data) => Received += data.Length;
}

[Throttle(ReadBytesPerSecond = 64 * 1024, Scope = ThrottleScope.AllConnections)]
public sealed partial class SharedReader : Protocol
{
    public long Received;
    public override void DataReceived(ReadOnlySpan<byte> data) => Received += data.Length;
}

/// <summary>
/// The accuracy figures on the fake clock, where they are deterministic: over 10 s of saturation the mean
/// rate after the first second is within 3 % of the limit and no 1-second window after the first second exceeds 110 %.
/// </summary>
public class ThrottleAccuracyTests
{
    private const double Limit = 64 * 1024;

    /// <summary>Samples a byte counter every 100 ms of fake time for 10 s while <paramref name="drive"/> saturates it.</summary>
    private static long[] Sample(ProtocolTestHost host, Func<long> counter, Action drive)
    {
        var samples = new long[101];
        samples[0] = counter();
        for (int i = 1; i <= 100; i++)
        {
            for (int step = 0; step < 10; step++)
            {
                drive();
                host.Advance(TimeSpan.FromMilliseconds(10));
            }
            samples[i] = counter();
        }
        return samples;
    }

    private static void AssertAccurate(long[] samples, double limit)
    {
        double mean = (samples[100] - samples[10]) / 9.0;
        Assert.InRange(mean, limit * 0.97, limit * 1.03);
        for (int start = 10; start + 10 <= 100; start++)
        {
            double window = samples[start + 10] - samples[start];
            Assert.True(window <= limit * 1.10, $"1 s window from {start / 10.0:F1} s carried {window} B ({window / limit:P1} of the limit)");
        }
    }

    [Fact]
    public void Write_limit_is_accurate_and_smooth_over_10_seconds_of_saturation()
    {
        using var host = new ProtocolTestHost();
        var conn = host.Connect(new SaturatedWriter());
        var samples = Sample(host, () => conn.Transport.Written.Length + 0L, () => { });
        AssertAccurate(samples, Limit);
        Assert.InRange(conn.Transport.BufferedBytes, 0, Transport.DefaultHighWaterMark + 8 * 1024); // producer paused: bounded
    }

    [Fact]
    public void Read_limit_is_accurate_and_smooth_over_10_seconds_of_saturation()
    {
        using var host = new ProtocolTestHost();
        var protocol = new SaturatedReader();
        var conn = host.Connect(protocol);
        var chunk = new byte[16 * 1024];
        // The peer sends whenever the server reads, at most as much as one receive takes.
        var samples = Sample(host, () => protocol.Received, () =>
        {
            for (int i = 0; i < 8 && !conn.Transport.IsReadingPaused; i++) conn.Send(chunk.AsSpan(0, Math.Min(chunk.Length, conn.Transport.CurrentReadSize)));
        });
        AssertAccurate(samples, Limit);
    }

    [Fact]
    public void A_shared_read_budget_is_accurate_in_total_and_fair_between_connections()
    {
        using var host = new ProtocolTestHost();
        var protocols = Enumerable.Range(0, 4).Select(_ => new SharedReader()).ToArray();
        var conns = protocols.Select(p => host.Connect(p)).ToArray();
        var chunk = new byte[16 * 1024];
        var samples = Sample(host, () => protocols.Sum(p => p.Received), () =>
        {
            foreach (var conn in conns)
            {
                if (!conn.Transport.IsReadingPaused) conn.Send(chunk.AsSpan(0, Math.Min(chunk.Length, conn.Transport.CurrentReadSize)));
            }
        });
        AssertAccurate(samples, Limit);
        long min = protocols.Min(p => p.Received), max = protocols.Max(p => p.Received);
        Assert.True(max <= min * 1.25, $"unfair share: min {min} B, max {max} B");
    }
}

[Throttle(ReadBytesPerSecond = 1000, Scope = ThrottleScope.PerPeer, IPv6PrefixLength = 64)]
public sealed partial class PerPeerReader : Protocol
{
    public long Received;
    public override void DataReceived(ReadOnlySpan<byte> data) => Received += data.Length;
}

/// <summary>[Throttle(Scope = PerPeer)]: one budget per remote address (an IPv6 /64 here), released when the peer's last connection ends.</summary>
public class PerPeerThrottleTests
{
    private static System.Net.IPEndPoint From(string address, int port) => new(System.Net.IPAddress.Parse(address), port);

    [Fact]
    public void Connections_from_one_peer_share_a_budget_and_other_peers_have_their_own()
    {
        using var host = new ProtocolTestHost();
        var first = new PerPeerReader();
        var second = new PerPeerReader();
        var other = new PerPeerReader();
        var a = host.Connect(first, From("2001:db8:1:2::10", 5000));
        var b = host.Connect(second, From("2001:db8:1:2::99", 5001)); // same /64: same peer
        var c = host.Connect(other, From("2001:db8:1:3::10", 5002));  // another /64

        a.Send(new byte[1200]); // spends the shared 1000-byte burst and runs it into debt
        Assert.True(a.Transport.IsReadingPaused);
        b.Send(new byte[600]);
        Assert.True(second.Received < 600, "the second connection of the same peer must see the spent budget");
        c.Send(new byte[900]);
        Assert.Equal(900, other.Received); // a different peer: its own full budget
        Assert.False(c.Transport.IsReadingPaused);

        host.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(1200, first.Received);
        Assert.Equal(600, second.Received); // nothing dropped, only delayed
    }

    [Fact]
    public void A_peer_budget_starts_full_again_after_its_connections_ended()
    {
        using var host = new ProtocolTestHost();
        var first = new PerPeerReader();
        var conn = host.Connect(first, From("127.0.0.5", 5000));
        conn.Send(new byte[1000]);
        conn.Close();
        var again = new PerPeerReader();
        var next = host.Connect(again, From("127.0.0.5", 5001));
        next.Send(new byte[1000]); // a fresh bucket: the full burst, no pause
        Assert.Equal(1000, again.Received);
    }
}
