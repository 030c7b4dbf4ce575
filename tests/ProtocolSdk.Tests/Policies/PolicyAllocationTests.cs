using ProtocolSdk.Tests.Support;
using ProtocolSdk.Testing;

namespace ProtocolSdk.Tests.Policies;

/// <summary>With all four built-in policies on, steady-state receive, write and timeout reset allocate nothing.</summary>
public class PolicyAllocationTests
{
    [Fact]
    public void Receive_write_and_timeout_reset_allocate_nothing_in_steady_state()
    {
        using var host = new ProtocolTestHost();
        var protocol = new AllPoliciesProtocol();
        var conn = host.Connect(protocol);
        var chunk = new byte[64];
        const int events = 20_000;

        for (int i = 0; i < events; i++) conn.Send(chunk); // warm up (JIT, tiering, buffers at full size)
        for (int i = 0; i < 1_000; i++) protocol.ResetTimeout();
        Assert.Equal(events * chunk.Length, conn.Transport.TakeWritten().Length);

        AllocationAssert.NothingAllocatedPerEvent(() =>
        {
            conn.Transport.ClearWritten();
            for (int i = 0; i < events; i++)
            {
                conn.Send(chunk);            // policies + DataReceived + echo Write (policies again)
                protocol.ResetTimeout();
            }
        });

        Assert.False(conn.IsClosed);
        Assert.Equal(events * chunk.Length, conn.Transport.Written.Length);
    }
}

/// <summary>A fake clock that counts how often it is read.</summary>
internal sealed class CountingClock : Microsoft.Extensions.Time.Testing.FakeTimeProvider
{
    public CountingClock() : base(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)) { }

    public int Reads;

    public override long GetTimestamp()
    {
        Reads++;
        return base.GetTimestamp();
    }
}

/// <summary>
/// The policies share one clock read per received chunk (a read costs about 30 ns on a VM, and an echo with all
/// policies on asked four times: read throttle, timeout reset on receive, write throttle, timeout reset on send).
/// </summary>
public class PolicyClockReadTests
{
    [Fact]
    public void An_echoed_chunk_with_throttles_and_a_timeout_reads_the_clock_once()
    {
        var clock = new CountingClock();
        using var host = new ProtocolTestHost(clock);
        var protocol = new AllPoliciesProtocol();
        var conn = host.Connect(protocol);
        var chunk = new byte[64];
        conn.Send(chunk); // warm up
        conn.Transport.TakeWritten();

        int before = clock.Reads;
        for (int i = 0; i < 100; i++) conn.Send(chunk);

        Assert.Equal(100 * chunk.Length, conn.Transport.TakeWritten().Length); // every chunk was echoed (written and sent)
        Assert.Equal(100, clock.Reads - before);
    }

    [Fact]
    public void Outside_a_delivery_each_policy_reads_the_clock_itself()
    {
        var clock = new CountingClock();
        using var host = new ProtocolTestHost(clock);
        var protocol = new AllPoliciesProtocol();
        var conn = host.Connect(protocol);

        int before = clock.Reads;
        protocol.ResetTimeout();
        protocol.ResetTimeout();
        Assert.Equal(2, clock.Reads - before); // nothing cached between events: each reset sees the time it ran at

        clock.Advance(TimeSpan.FromSeconds(1));
        conn.Send(new byte[8]);
        Assert.False(conn.IsClosed);
    }
}
