using ProtocolSdk.Testing;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Unit;

/// <summary>The run-time timeout controls (Twisted's TimeoutMixin) on the fake clock.</summary>
public class TimeoutTests
{
    [Fact]
    public void Timeout_fires_within_50ms_of_the_deadline_and_aborts_with_TimedOut()
    {
        using var host = new ProtocolTestHost();
        var protocol = new RecordingProtocol();
        var conn = host.Connect(protocol);
        protocol.SetTimeout(TimeSpan.FromSeconds(2));
        host.Advance(TimeSpan.FromMilliseconds(1990));
        Assert.Equal(0, protocol.Lost);
        host.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(1, protocol.Lost);
        Assert.Equal(DisconnectKind.TimedOut, protocol.LostReason!.Value.Kind);
        Assert.True(conn.Transport.WasAborted);
    }

    [Fact]
    public void ResetTimeout_postpones_and_SetTimeout_returns_the_previous_period()
    {
        using var host = new ProtocolTestHost();
        var protocol = new RecordingProtocol();
        host.Connect(protocol);
        Assert.Null(protocol.SetTimeout(TimeSpan.FromSeconds(1)));
        host.Advance(TimeSpan.FromMilliseconds(900));
        protocol.ResetTimeout();
        host.Advance(TimeSpan.FromMilliseconds(900));
        Assert.Equal(0, protocol.Lost);
        Assert.Equal(TimeSpan.FromSeconds(1), protocol.SetTimeout(TimeSpan.FromSeconds(10)));
        host.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, protocol.Lost);
        host.Advance(TimeSpan.FromSeconds(1.05));
        Assert.Equal(1, protocol.Lost);
    }

    [Fact]
    public void Timeouts_longer_than_a_wheel_revolution_fire_on_time()
    {
        using var host = new ProtocolTestHost();
        var protocol = new RecordingProtocol();
        host.Connect(protocol);
        protocol.SetTimeout(TimeSpan.FromSeconds(12.5));
        host.Advance(TimeSpan.FromSeconds(12.45));
        Assert.Equal(0, protocol.Lost);
        host.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, protocol.Lost);
    }

    [Fact]
    public void Cancel_is_harmless_twice_and_after_expiry_and_null_period_cancels()
    {
        using var host = new ProtocolTestHost();
        var protocol = new CustomTimeoutProtocol();
        host.Connect(protocol);
        protocol.CancelTimeout(); // nothing pending
        protocol.SetTimeout(TimeSpan.FromSeconds(1));
        protocol.CancelTimeout();
        protocol.CancelTimeout();
        host.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(0, protocol.TimedOut);

        protocol.SetTimeout(TimeSpan.FromSeconds(1));
        host.Advance(TimeSpan.FromSeconds(1.1));
        Assert.Equal(1, protocol.TimedOut);
        protocol.CancelTimeout(); // after expiry
        protocol.ResetTimeout(); // does nothing after expiry (Twisted semantics)
        host.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(1, protocol.TimedOut);

        Assert.Equal(TimeSpan.FromSeconds(1), protocol.SetTimeout(TimeSpan.FromSeconds(1)));
        Assert.Equal(TimeSpan.FromSeconds(1), protocol.SetTimeout(null));
        Assert.Null(protocol.TimeoutPeriod);
        host.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(1, protocol.TimedOut);
    }

    [Fact]
    public void Overriding_TimeoutConnection_replaces_the_action()
    {
        using var host = new ProtocolTestHost();
        var protocol = new CustomTimeoutProtocol();
        var conn = host.Connect(protocol);
        protocol.SetTimeout(TimeSpan.FromSeconds(1));
        host.Advance(TimeSpan.FromSeconds(1.05));
        Assert.Equal(1, protocol.TimedOut);
        Assert.False(conn.IsClosed);
        Assert.Equal("bye\n", conn.WrittenText);
    }

    [Fact]
    public void Invalid_periods_are_rejected_at_the_call()
    {
        using var host = new ProtocolTestHost();
        var protocol = new RecordingProtocol();
        host.Connect(protocol);
        Assert.Throws<ArgumentOutOfRangeException>(() => protocol.SetTimeout(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => protocol.SetTimeout(TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void The_timeout_is_cancelled_when_the_connection_closes()
    {
        using var host = new ProtocolTestHost();
        var protocol = new CustomTimeoutProtocol();
        var conn = host.Connect(protocol);
        protocol.SetTimeout(TimeSpan.FromSeconds(1));
        conn.Close();
        host.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, protocol.TimedOut);
        Assert.Equal(0, host.PendingTimers);
    }

    private sealed class CustomTimeoutProtocol : Protocol
    {
        public int TimedOut;

        protected override void TimeoutConnection()
        {
            TimedOut++;
            Transport.Write("bye\n"u8);
        }
    }
}
