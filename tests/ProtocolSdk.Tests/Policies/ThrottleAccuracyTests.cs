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
