using ProtocolSdk.Testing;

namespace ProtocolSdk.Tests.Policies;

/// <summary>Twisted test_policies.py TimeoutProtocolTests / TimeoutMixinTests, against the generated [Timeout] code.</summary>
public class TimeoutPolicyTests
{
    [Fact]
    public void Fires_without_traffic_within_50_ms_of_the_deadline()
    {
        using var host = new ProtocolTestHost();
        var protocol = new TimedProtocol();
        var conn = host.Connect(protocol);
        Assert.Equal(TimeSpan.FromSeconds(1), protocol.TimeoutPeriod);

        host.Advance(TimeSpan.FromMilliseconds(990));
        Assert.False(conn.IsClosed);
        host.Advance(TimeSpan.FromMilliseconds(50));
        Assert.True(conn.IsClosed);
        Assert.True(conn.Transport.WasAborted);
        Assert.Equal(DisconnectKind.TimedOut, protocol.LostReason?.Kind);
        Assert.Equal(1, protocol.Timeouts);
    }

    [Fact]
    public void Reads_postpone_the_timeout()
    {
        using var host = new ProtocolTestHost();
        var protocol = new TimedProtocol();
        var conn = host.Connect(protocol);

        host.Advance(TimeSpan.FromMilliseconds(800));
        conn.Send("ping");
        host.Advance(TimeSpan.FromMilliseconds(800)); // 1.6 s since connect, 0.8 s since the read
        Assert.False(conn.IsClosed);
        host.Advance(TimeSpan.FromMilliseconds(150));
        Assert.False(conn.IsClosed);                  // deadline 1.8 s; 1.75 s now
        host.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(conn.IsClosed);
    }

    [Fact]
    public void Writes_postpone_the_timeout()
    {
        using var host = new ProtocolTestHost();
        var protocol = new TimedProtocol();
        var conn = host.Connect(protocol);

        host.Advance(TimeSpan.FromMilliseconds(800));
        protocol.Transport.Write("pong"u8);
        host.Advance(TimeSpan.FromMilliseconds(950));
        Assert.False(conn.IsClosed);
        host.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(conn.IsClosed);
    }

    [Fact]
    public void SetTimeout_returns_the_previous_period_and_restarts_the_countdown()
    {
        using var host = new ProtocolTestHost();
        var protocol = new TimedProtocol();
        var conn = host.Connect(protocol);

        host.Advance(TimeSpan.FromMilliseconds(900));
        Assert.Equal(TimeSpan.FromSeconds(1), protocol.SetTimeout(TimeSpan.FromSeconds(2)));
        Assert.Equal(TimeSpan.FromSeconds(2), protocol.TimeoutPeriod);
        host.Advance(TimeSpan.FromMilliseconds(1950));
        Assert.False(conn.IsClosed);
        host.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(conn.IsClosed);
    }

    [Fact]
    public void SetTimeout_null_and_CancelTimeout_stop_it_and_ResetTimeout_does_not_revive_it()
    {
        using var host = new ProtocolTestHost();
        var protocol = new TimedProtocol();
        var conn = host.Connect(protocol);

        Assert.Equal(TimeSpan.FromSeconds(1), protocol.SetTimeout(null));
        Assert.Null(protocol.TimeoutPeriod);
        host.Advance(TimeSpan.FromSeconds(3));
        Assert.False(conn.IsClosed);

        protocol.SetTimeout(TimeSpan.FromSeconds(1));
        host.Advance(TimeSpan.FromMilliseconds(500));
        protocol.CancelTimeout();
        protocol.ResetTimeout();   // nothing pending: does nothing (Twisted's resetTimeout)
        conn.Send("traffic resets nothing either");
        host.Advance(TimeSpan.FromSeconds(3));
        Assert.False(conn.IsClosed);
        Assert.Equal(0, protocol.Timeouts);
    }

    [Fact]
    public void CancelTimeout_after_expiry_and_twice_is_harmless()
    {
        using var host = new ProtocolTestHost();
        var protocol = new TimedProtocol { ReplaceTimeoutAction = true };
        var conn = host.Connect(protocol);

        host.Advance(TimeSpan.FromMilliseconds(1050));
        Assert.Equal(1, protocol.Timeouts);
        protocol.CancelTimeout();
        protocol.CancelTimeout();
        host.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(1, protocol.Timeouts); // it fired once; it does not repeat
        Assert.False(conn.IsClosed);
    }

    [Fact]
    public void Overriding_TimeoutConnection_replaces_the_action()
    {
        using var host = new ProtocolTestHost();
        var protocol = new TimedProtocol { ReplaceTimeoutAction = true };
        var conn = host.Connect(protocol);

        host.Advance(TimeSpan.FromMilliseconds(1050));
        Assert.Equal(1, protocol.Timeouts);
        Assert.False(conn.IsClosed);
        Assert.Equal("idle\r\n", conn.WrittenText);

        // The protocol can arm it again; the replaced action runs again.
        protocol.SetTimeout(TimeSpan.FromMilliseconds(200));
        host.Advance(TimeSpan.FromMilliseconds(260));
        Assert.Equal(2, protocol.Timeouts);
    }

    [Fact]
    public void The_timeout_does_not_fire_after_the_connection_closed()
    {
        using var host = new ProtocolTestHost();
        var protocol = new TimedProtocol();
        var conn = host.Connect(protocol);
        conn.Close();
        host.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(0, protocol.Timeouts);
        Assert.Equal(DisconnectKind.PeerClosed, protocol.LostReason?.Kind);
    }
}
