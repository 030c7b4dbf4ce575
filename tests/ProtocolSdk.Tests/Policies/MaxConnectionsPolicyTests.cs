using System.Net;
using ProtocolSdk.Testing;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Policies;

/// <summary>
/// Twisted test_policies.py ThrottlingTests (connection count), LimitTotalConnectionsFactoryTests and
/// TestLimitConnectionsByPeer, against the generated [MaxConnections] code.
/// </summary>
public class MaxConnectionsPolicyTests
{
    [Fact]
    public void Total_limit_rejects_the_third_without_ConnectionMade_and_admits_a_new_one_after_one_leaves()
    {
        using var host = new ProtocolTestHost();
        var first = new TotalLimited();
        var a = host.Connect(first);
        var b = host.Connect(new TotalLimited());
        var thirdProtocol = new TotalLimited();
        var c = host.Connect(thirdProtocol);

        Assert.False(a.WasRejected);
        Assert.False(b.WasRejected);
        Assert.True(c.WasRejected);
        Assert.Equal(0, thirdProtocol.Made);
        Assert.Equal(0, thirdProtocol.Lost);
        Assert.True(c.Transport.IsMediumClosed);

        a.Close();
        Assert.Equal(1, first.Lost);
        var d = host.Connect(new TotalLimited());
        Assert.False(d.WasRejected);
        Assert.True(host.Connect(new TotalLimited()).WasRejected);
    }

    [Fact]
    public void Per_peer_limit_counts_each_address_separately_and_mapped_IPv4_as_IPv4()
    {
        using var host = new ProtocolTestHost();
        var one = host.Connect(new PerPeerLimited(), "127.0.0.1");
        Assert.False(host.Connect(new PerPeerLimited(), "127.0.0.1").WasRejected);
        Assert.True(host.Connect(new PerPeerLimited(), "127.0.0.1").WasRejected);
        Assert.True(host.Connect(new PerPeerLimited(), "::ffff:127.0.0.1").WasRejected);

        Assert.False(host.Connect(new PerPeerLimited(), "127.0.0.2").WasRejected);
        Assert.False(host.Connect(new PerPeerLimited(), "::1").WasRejected);

        one.Reset();
        Assert.False(host.Connect(new PerPeerLimited(), "::ffff:127.0.0.1").WasRejected);
        Assert.True(host.Connect(new PerPeerLimited(), "127.0.0.1").WasRejected);
    }

    [Fact]
    public void Overflow_protocol_gets_the_connection_and_counts_toward_Total()
    {
        using var host = new ProtocolTestHost();
        var a = host.Connect(new OverflowLimited(), "127.0.0.1");
        var refused = new OverflowLimited();
        var b = host.Connect(refused, "127.0.0.1"); // per-peer limit: overflow (counts toward Total = 2)

        Assert.False(b.WasRejected);
        Assert.Equal("busy\r\n", b.WrittenText);
        Assert.Equal(0, refused.Made);
        Assert.Equal("", a.WrittenText);

        var c = host.Connect(new OverflowLimited(), "127.0.0.2"); // total is full because the overflow counted
        Assert.Equal("busy\r\n", c.WrittenText);

        b.Close();
        c.Close();
        var d = host.Connect(new OverflowLimited(), "127.0.0.2");
        Assert.Equal("", d.WrittenText);
        Assert.Equal(0, refused.Lost);
    }

    public enum Ending { PeerReset, PeerClose, Timeout, ExceptionInDataReceived, ExceptionInConnectionMade, Abort, LoseConnection }

    [Theory]
    [InlineData(Ending.PeerReset)]
    [InlineData(Ending.PeerClose)]
    [InlineData(Ending.Timeout)]
    [InlineData(Ending.ExceptionInDataReceived)]
    [InlineData(Ending.ExceptionInConnectionMade)]
    [InlineData(Ending.Abort)]
    [InlineData(Ending.LoseConnection)]
    public void The_count_is_released_exactly_once_however_the_connection_ends(Ending ending)
    {
        using var host = new ProtocolTestHost();
        var protocol = new SingleSlot
        {
            ThrowOnData = ending == Ending.ExceptionInDataReceived,
            ThrowOnMade = ending == Ending.ExceptionInConnectionMade,
            AbortOnData = ending == Ending.Abort,
        };
        var conn = host.Connect(protocol);
        Assert.False(conn.WasRejected);
        if (ending != Ending.ExceptionInConnectionMade) Assert.True(host.Connect(new SingleSlot()).WasRejected);

        switch (ending)
        {
            case Ending.PeerReset: conn.Reset(); break;
            case Ending.PeerClose: conn.Close(); break;
            case Ending.Timeout: host.Advance(TimeSpan.FromSeconds(1.1)); break;
            case Ending.ExceptionInDataReceived:
            case Ending.Abort: conn.Send("x"); break;
            case Ending.LoseConnection: conn.Transport.LoseConnection(); break;
        }

        Assert.True(conn.IsClosed);
        Assert.Equal(1, protocol.Lost);
        Assert.Equal(1, conn.Transport.ConnectionLostCount);
        // Released once: exactly one new connection fits again (a double release would admit two).
        Assert.False(host.Connect(new SingleSlot()).WasRejected);
        Assert.True(host.Connect(new SingleSlot()).WasRejected);
    }

    [Fact]
    public void A_later_admission_step_that_rejects_or_throws_gives_the_count_back()
    {
        using var host = new ProtocolTestHost();
        try
        {
            GatePolicy.Mode = 1;
            Assert.True(host.Connect(new GatedSingleSlot()).WasRejected);
            GatePolicy.Mode = 2;
            Assert.True(host.Connect(new GatedSingleSlot()).WasRejected);
            GatePolicy.Mode = 0;
            var admitted = host.Connect(new GatedSingleSlot());
            Assert.False(admitted.WasRejected); // neither refusal leaked the single slot
            Assert.True(host.Connect(new GatedSingleSlot()).WasRejected);
            admitted.Close();
            Assert.False(host.Connect(new GatedSingleSlot()).WasRejected);
        }
        finally
        {
            GatePolicy.Mode = 0;
        }
    }

    [Fact]
    public void Limits_are_per_host()
    {
        using var one = new ProtocolTestHost();
        using var two = new ProtocolTestHost();
        one.Connect(new SingleSlot());
        Assert.False(two.Connect(new SingleSlot()).WasRejected);
        Assert.True(one.Connect(new SingleSlot(), new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1)).WasRejected);
    }
}

/// <summary>What [MaxConnections] tells the operator: the limit in every refusal, and a Total the descriptor limit cannot hold.</summary>
public class MaxConnectionsDiagnosticsTests
{
    [Fact]
    public void A_refusal_names_the_limit_in_the_log_line()
    {
        var logs = new RecordingLoggerProvider();
        using var host = new ProtocolTestHost(logs);
        host.Connect(new PerPeerLimited(), "10.0.0.9");
        host.Connect(new PerPeerLimited(), "10.0.0.9");
        Assert.True(host.Connect(new PerPeerLimited(), "10.0.0.9").WasRejected);
        host.Connect(new TotalLimited());
        host.Connect(new TotalLimited());
        Assert.True(host.Connect(new TotalLimited()).WasRejected);

        Assert.Contains(logs.Entries, e => e.Message.Contains("10.0.0.9") && e.Message.EndsWith("rejected: per-peer connection limit (2).", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.Message.StartsWith("TotalLimited:", StringComparison.Ordinal) && e.Message.EndsWith("rejected: total connection limit (2).", StringComparison.Ordinal));
    }

    [Fact]
    public void A_Total_above_the_descriptor_budget_is_warned_about_once()
    {
        var logs = new RecordingLoggerProvider();
        using var host = new ProtocolTestHost(logs);
        var transport = host.Connect(new PerPeerLimited(), "10.0.0.1").Transport;
        var tooHigh = new ProtocolSdk.Policies.MaxConnectionsPolicy(total: 100, perPeer: 0);
        var small = ProtocolSdk.Internal.DescriptorBudget.WithCapacity(10);

        tooHigh.WarnIfTotalExceedsDescriptorBudget(transport, small);
        tooHigh.WarnIfTotalExceedsDescriptorBudget(transport, small);
        var warning = Assert.Single(logs.Entries, e => e.Message.Contains("cannot hold"));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, warning.Level);
        Assert.Contains("Total = 100", warning.Message);
        Assert.Contains("at most 10 connections", warning.Message);

        var fits = new ProtocolSdk.Policies.MaxConnectionsPolicy(total: 10, perPeer: 0);
        fits.WarnIfTotalExceedsDescriptorBudget(transport, small);
        Assert.Single(logs.Entries, e => e.Message.Contains("cannot hold"));
    }
}
