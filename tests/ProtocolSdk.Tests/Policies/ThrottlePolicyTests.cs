using ProtocolSdk.Testing;

namespace ProtocolSdk.Tests.Policies;

/// <summary>Twisted test_policies.py ThrottlingTests, against the generated [Throttle] code on a fake clock.</summary>
public class ThrottlePolicyTests
{
    [Fact]
    public void Write_tokens_for_bytes_the_kernel_refused_are_refunded_not_charged_twice()
    {
        using var host = new ProtocolTestHost();
        var connection = host.Connect(new WriteThrottled()); // 10,000 B/s, burst one second's worth
        connection.Transport.SetPeerReceiveWindow(0);        // the kernel takes nothing: the direct send returns 0
        connection.Transport.Write(new byte[6000]);          // buffered; its tokens must go back to the bucket
        connection.Transport.SetPeerReceiveWindow(null);     // the send loop now takes tokens for the same 6,000 bytes

        // With the tokens charged twice only 4,000 of the 10,000-byte burst would be left for them.
        Assert.Equal(6000, connection.Transport.Written.Length);
        Assert.Equal(0, connection.Transport.BufferedBytes);
    }

    [Fact]
    public void Read_limit_pauses_reading_until_the_debt_is_repaid_then_resumes()
    {
        // [Throttle(ReadBytesPerSecond = 1000)]: burst 1000 bytes. Reads are capped at the budget left (at least 512
        // bytes), a read that runs the bucket into debt pauses reading until the debt is repaid, and bytes the peer
        // sent meanwhile wait in the "kernel" (TestTransport.UnreadBytes): nothing is dropped.
        using var host = new ProtocolTestHost();
        var protocol = new ReadThrottled();
        var conn = host.Connect(protocol);
        long Received() => protocol.Events.Where(e => e.StartsWith("protocol received", StringComparison.Ordinal))
            .Sum(e => long.Parse(e.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture));

        conn.Send(new byte[600]);
        Assert.False(conn.Transport.IsReadingPaused); // within the burst
        conn.Send(new byte[900]);                      // 400 left: one 512-byte read, 112 bytes of debt
        Assert.True(conn.Transport.IsReadingPaused);
        Assert.Equal(1112, Received());
        Assert.Equal(388, conn.Transport.UnreadBytes);

        host.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(1112, Received());                // debt not yet repaid (112 ms)
        host.Advance(TimeSpan.FromMilliseconds(30));   // repaid: reading resumes, the waiting bytes arrive...
        Assert.Equal(1500, Received());
        Assert.True(conn.Transport.IsReadingPaused);   // ...and put the bucket 388 bytes into debt again
        host.Advance(TimeSpan.FromMilliseconds(330));
        Assert.True(conn.Transport.IsReadingPaused);
        host.Advance(TimeSpan.FromMilliseconds(80));   // 1500 bytes at 1000 B/s with a 1000-byte burst: free again at ~0.5 s
        Assert.False(conn.Transport.IsReadingPaused);

        conn.Send(new byte[10]);
        Assert.Equal(1510, Received());
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
