using ProtocolSdk.Testing;

namespace ProtocolSdk.Tests.Policies;

/// <summary>Twisted test_policies.py ThrottlingTests, against the generated [Throttle] code on a fake clock.</summary>
public class ThrottlePolicyTests
{
    [Fact]
    public void Read_limit_pauses_reading_until_the_debt_is_repaid_then_resumes()
    {
        using var host = new ProtocolTestHost();
        var protocol = new ReadThrottled();
        var conn = host.Connect(protocol);

        conn.Send(new byte[600]);
        Assert.False(conn.Transport.IsReadingPaused); // within the 1000-byte burst
        conn.Send(new byte[900]);                      // 1500 of 1000: 500 bytes of debt at 1000 B/s
        Assert.True(conn.Transport.IsReadingPaused);
        Assert.Equal(2, protocol.Events.Count(e => e.StartsWith("protocol received", StringComparison.Ordinal))); // nothing dropped

        host.Advance(TimeSpan.FromMilliseconds(450));
        Assert.True(conn.Transport.IsReadingPaused);
        host.Advance(TimeSpan.FromMilliseconds(100));  // debt repaid at 500 ms (+ one timer tick)
        Assert.False(conn.Transport.IsReadingPaused);

        conn.Send(new byte[10]);
        Assert.Equal(3, protocol.Events.Count(e => e.StartsWith("protocol received", StringComparison.Ordinal)));
    }

    [Fact]
    public void Write_limit_delays_bytes_at_the_rate_and_never_drops_them()
    {
        using var host = new ProtocolTestHost();
        var conn = host.Connect(new WriteThrottled { WriteOnConnect = 50_000 });

        Assert.Equal(10_000, conn.Transport.Written.Length); // the burst: one second's worth
        long previous = 10_000;
        for (int step = 1; step <= 30; step++)
        {
            host.Advance(TimeSpan.FromMilliseconds(100));
            long written = conn.Transport.Written.Length;
            long expected = Math.Min(50_000, 10_000 + step * 1_000);
            Assert.InRange(written, expected - 1_100, expected); // smooth: ~1000 bytes per 100 ms, never ahead of the budget
            Assert.True(written >= previous);
            previous = written;
        }
        host.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(50_000, conn.Transport.Written.Length);
        Assert.Equal(0, conn.Transport.BufferedBytes);
    }

    [Fact]
    public void Write_limit_pauses_the_producer_above_the_high_water_mark_and_resumes_it_below_the_low_one()
    {
        using var host = new ProtocolTestHost(highWaterMark: 4096, lowWaterMark: 1024);
        var protocol = new WriteThrottled { WriteOnConnect = 20_000, UseProducer = true };
        var conn = host.Connect(protocol);

        Assert.Equal(10_000, conn.Transport.Written.Length);
        Assert.True(protocol.Paused);
        Assert.Equal(1, protocol.Pauses);

        host.Advance(TimeSpan.FromMilliseconds(800)); // ~8000 sent, ~2000 still buffered > 1024
        Assert.True(protocol.Paused);
        host.Advance(TimeSpan.FromMilliseconds(300)); // buffered drops under the low-water mark
        Assert.False(protocol.Paused);
        Assert.Equal(1, protocol.Resumes);

        host.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(20_000, conn.Transport.Written.Length);
        conn.Close();
        Assert.Equal(1, protocol.Stops);
    }
}
