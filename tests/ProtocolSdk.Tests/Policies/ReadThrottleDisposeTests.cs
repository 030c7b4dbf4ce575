using ProtocolSdk.Policies;
using ProtocolSdk.Testing;

namespace ProtocolSdk.Tests.Policies;

/// <summary>The suspected race of issue 15: a read-throttle wake-up that runs after the connection disposed its throttle.</summary>
public class ReadThrottleDisposeTests
{
    private sealed class Plain : Protocol { }

    [Fact]
    public void A_wake_up_that_fires_after_Dispose_does_not_re_file_itself()
    {
        using var host = new ProtocolTestHost();
        var conn = host.Connect(new Plain());
        var bucket = new TokenBucket(bytesPerSecond: 100, burstBytes: 100, host.Clock);
        var throttle = new ReadThrottle(bucket, conn.Transport);
        throttle.OnReceived(1000); // deep in debt: reading paused, wake-up filed
        Assert.True(throttle.IsScheduled);

        // The wheel unfiles the entry and is about to call Fire on its thread when the connection closes.
        conn.Transport.Timers.Cancel(throttle);
        throttle.Dispose();
        throttle.Fire(); // the late wake-up; the bucket is still in debt, which used to re-file it

        Assert.False(throttle.IsScheduled);
        Assert.Equal(0, host.PendingTimers);
    }

    [Fact]
    public void Before_Dispose_a_wake_up_in_debt_re_files_itself()
    {
        using var host = new ProtocolTestHost();
        var conn = host.Connect(new Plain());
        var throttle = new ReadThrottle(new TokenBucket(100, 100, host.Clock), conn.Transport);
        throttle.OnReceived(1000);
        conn.Transport.Timers.Cancel(throttle);
        throttle.Fire();
        Assert.True(throttle.IsScheduled); // the control: the check above is not vacuous
        throttle.Dispose();
        Assert.Equal(0, host.PendingTimers);
    }
}
