using System.Net;
using ProtocolSdk.Policies;
using ProtocolSdk.Testing;

namespace ProtocolSdk.Tests.Policies;

// Protocols for issue #10 (every declared policy is enforced) and #15 (timeout on sent bytes, /64 peers, overflow accounting).

[MaxConnections(Total = 3, PerPeer = 0)]
public sealed partial class TotalOnlyLimited : TracingProtocol { }

[MaxConnections(Total = 0, PerPeer = 2)]
public sealed partial class PerPeerOnlyLimited : TracingProtocol { }

[MaxConnections(PerPeer = 1)]
public sealed partial class PerPeerDefaultPrefix : TracingProtocol { }

[MaxConnections(PerPeer = 1, IPv6PrefixLength = 128)]
public sealed partial class PerPeerWholeAddress : TracingProtocol { }

[Timeout(2)]
public partial class IdleBase : TracingProtocol { }

/// <summary>The example: an inherited [Timeout(2)] and its own [MaxConnections(Total = 3)] both hold.</summary>
[MaxConnections(Total = 3)]
public sealed partial class LimitedIdle : IdleBase { }

/// <summary>Its own connection-made and data hooks must still run the base class's [Timeout] ones.</summary>
[LogTraffic]
public sealed partial class LoggedIdle : IdleBase { }

[MaxConnections(Total = 2)]
public partial class CountingBase : TracingProtocol { }

/// <summary>Refuses peers from 10.9.9.9; the base class has already counted them by then.</summary>
public struct RefuseTenNine : IConnectionPolicy
{
    public static readonly IPAddress Refused = IPAddress.Parse("10.9.9.9");
    public ConnectionAdmission OnAdmit(Transport transport) =>
        transport.RemoteEndPoint.Address.Equals(Refused) ? ConnectionAdmission.Reject("refused") : ConnectionAdmission.Accept;
    public void OnConnectionMade(Protocol protocol, Transport transport) { }
    public void OnDataReceived(Protocol protocol, ReadOnlySpan<byte> data) { }
    public void OnDataWritten(Protocol protocol, ReadOnlySpan<byte> data) { }
    public void OnConnectionLost(Protocol protocol, DisconnectReason reason) { }
}

[UsePolicy(typeof(RefuseTenNine))]
public sealed partial class RefusingDerived : CountingBase { }

[Timeout(2)]
public sealed partial class IdleTalker : TracingProtocol
{
    public void Say() => Transport.Write("x"u8);
}

public sealed class ThrowingOverflow : Protocol
{
    public ThrowingOverflow() => throw new InvalidOperationException("overflow constructor failed");
}

[MaxConnections(Total = 1, Overflow = typeof(BusyProtocol))]
public sealed partial class OverflowCappedByTotal : TracingProtocol { }

[MaxConnections(PerPeer = 1, Overflow = typeof(BusyProtocol))]
public sealed partial class OverflowCappedPerPeer : TracingProtocol { }

[MaxConnections(Total = 1, Overflow = typeof(BusyProtocol)), UsePolicy(typeof(RefuseTenNine))]
public sealed partial class OverflowThroughUserPolicy : TracingProtocol { }

[MaxConnections(Total = 1, Overflow = typeof(ThrowingOverflow))]
public sealed partial class OverflowThatThrows : TracingProtocol { }

/// <summary>Throws from its connection-lost hook: the built-in policies' tear-down must still run.</summary>
public struct ThrowOnLost : IConnectionPolicy
{
    public ConnectionAdmission OnAdmit(Transport transport) => ConnectionAdmission.Accept;
    public void OnConnectionMade(Protocol protocol, Transport transport) { }
    public void OnDataReceived(Protocol protocol, ReadOnlySpan<byte> data) { }
    public void OnDataWritten(Protocol protocol, ReadOnlySpan<byte> data) { }
    public void OnConnectionLost(Protocol protocol, DisconnectReason reason) => throw new InvalidOperationException("boom in policy ConnectionLost");
}

[Throttle(ReadBytesPerSecond = 1000, Scope = ThrottleScope.PerPeer), MinDataRate(BytesPerSecond = 1), UsePolicy(typeof(ThrowOnLost))]
public sealed partial class ThrowingTearDown : TracingProtocol { }

/// <summary>Send-only: no MessageReceived, whatever the peer sends is framed and dropped.</summary>
[LengthPrefixFraming(PrefixBytes = 1, MaxLength = 100)]
public sealed partial class SendOnlyFeed : Protocol
{
    public override void ConnectionMade() => SendMessage("hi"u8);
}

public class PolicyCompositionTests
{
    [Fact]
    public void A_send_only_framed_protocol_without_MessageReceived_sends_and_ignores_input()
    {
        using var host = new ProtocolTestHost();
        var connection = host.Connect(new SendOnlyFeed());
        Assert.Equal(new byte[] { 2, (byte)'h', (byte)'i' }, connection.Transport.Written.ToArray());
        connection.Send(new byte[] { 3, 1, 2, 3, 1 });
        Assert.False(connection.IsClosed);
    }

    [Fact]
    public void Total_3_with_PerPeer_0_admits_three_from_one_address_and_rejects_the_fourth()
    {
        using var host = new ProtocolTestHost();
        for (int i = 0; i < 3; i++) Assert.False(host.Connect(new TotalOnlyLimited(), "127.0.0.1").WasRejected);
        Assert.True(host.Connect(new TotalOnlyLimited(), "127.0.0.2").WasRejected);
    }

    [Fact]
    public void Total_0_with_PerPeer_2_admits_two_per_address_without_a_total_limit()
    {
        using var host = new ProtocolTestHost();
        for (int peer = 1; peer <= 5; peer++)
        {
            string address = "127.0.0." + peer;
            Assert.False(host.Connect(new PerPeerOnlyLimited(), address).WasRejected);
            Assert.False(host.Connect(new PerPeerOnlyLimited(), address).WasRejected);
            Assert.True(host.Connect(new PerPeerOnlyLimited(), address).WasRejected);
        }
    }

    [Fact]
    public void Per_peer_limits_group_IPv6_by_64_by_default_and_by_whole_address_with_128()
    {
        using var host = new ProtocolTestHost();
        Assert.False(host.Connect(new PerPeerDefaultPrefix(), "2001:db8:1:2::1").WasRejected);
        Assert.True(host.Connect(new PerPeerDefaultPrefix(), "2001:db8:1:2::ffff").WasRejected); // same /64
        Assert.False(host.Connect(new PerPeerDefaultPrefix(), "2001:db8:1:3::1").WasRejected);

        Assert.False(host.Connect(new PerPeerWholeAddress(), "2001:db8:1:2::1").WasRejected);
        Assert.False(host.Connect(new PerPeerWholeAddress(), "2001:db8:1:2::ffff").WasRejected);
        Assert.True(host.Connect(new PerPeerWholeAddress(), "2001:db8:1:2::1").WasRejected);
    }

    [Fact]
    public void An_inherited_Timeout_and_the_derived_MaxConnections_both_hold()
    {
        using var host = new ProtocolTestHost();
        var connections = Enumerable.Range(0, 3).Select(_ => host.Connect(new LimitedIdle())).ToList();
        Assert.All(connections, c => Assert.False(c.WasRejected));
        Assert.True(host.Connect(new LimitedIdle()).WasRejected);

        host.Advance(TimeSpan.FromSeconds(1.9));
        Assert.All(connections, c => Assert.False(c.IsClosed));
        host.Advance(TimeSpan.FromSeconds(0.2));
        Assert.All(connections, c => Assert.Equal(DisconnectKind.TimedOut, c.Transport.LostReason?.Kind));

        // The limit released each slot exactly once: three new connections fit again, a fourth does not.
        for (int i = 0; i < 3; i++) Assert.False(host.Connect(new LimitedIdle()).WasRejected);
        Assert.True(host.Connect(new LimitedIdle()).WasRejected);
    }

    [Fact]
    public void Derived_hooks_for_the_same_events_call_the_base_class_hooks()
    {
        using var host = new ProtocolTestHost();
        var connection = host.Connect(new LoggedIdle());
        host.Advance(TimeSpan.FromSeconds(1.5));
        connection.Send("ping"); // the base's [Timeout] resets on data, through the derived class's data hook
        host.Advance(TimeSpan.FromSeconds(1.9));
        Assert.False(connection.IsClosed);
        host.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(DisconnectKind.TimedOut, connection.Transport.LostReason?.Kind);
    }

    [Fact]
    public void A_rejection_by_the_derived_class_releases_what_the_base_class_counted()
    {
        using var host = new ProtocolTestHost();
        for (int i = 0; i < 5; i++) Assert.True(host.Connect(new RefusingDerived(), "10.9.9.9").WasRejected);
        // The base's [MaxConnections(Total = 2)] applies to the derived class and has no leaked slots.
        Assert.False(host.Connect(new RefusingDerived(), "127.0.0.1").WasRejected);
        var second = host.Connect(new RefusingDerived(), "127.0.0.1");
        Assert.False(second.WasRejected);
        Assert.True(host.Connect(new RefusingDerived(), "127.0.0.1").WasRejected);
        second.Close();
        Assert.False(host.Connect(new RefusingDerived(), "127.0.0.1").WasRejected);
    }

    [Fact]
    public void Timeout_is_not_reset_by_writes_the_peer_never_takes()
    {
        using var host = new ProtocolTestHost();
        var talker = new IdleTalker();
        var connection = host.Connect(talker);
        connection.Transport.SetPeerReceiveWindow(0); // the peer stopped reading
        host.Advance(TimeSpan.FromSeconds(1.5));
        talker.Say(); // queued, never sent
        host.Advance(TimeSpan.FromSeconds(0.6));
        Assert.Equal(DisconnectKind.TimedOut, connection.Transport.LostReason?.Kind);
    }

    [Fact]
    public void Timeout_is_reset_by_bytes_actually_sent()
    {
        using var host = new ProtocolTestHost();
        var talker = new IdleTalker();
        var connection = host.Connect(talker);
        host.Advance(TimeSpan.FromSeconds(1.5));
        talker.Say();
        Assert.Equal("x", connection.WrittenText);
        host.Advance(TimeSpan.FromSeconds(1.9));
        Assert.False(connection.IsClosed);
        host.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(DisconnectKind.TimedOut, connection.Transport.LostReason?.Kind);
    }

    [Fact]
    public void Overflow_connections_are_capped_by_Total()
    {
        using var host = new ProtocolTestHost();
        Assert.False(host.Connect(new OverflowCappedByTotal(), "127.0.0.1").WasRejected);
        var overflow = host.Connect(new OverflowCappedByTotal(), "127.0.0.2");
        Assert.Equal("busy\r\n", overflow.WrittenText);
        Assert.True(host.Connect(new OverflowCappedByTotal(), "127.0.0.3").WasRejected); // the overflow pool (Total = 1) is full
        overflow.Close();
        Assert.Equal("busy\r\n", host.Connect(new OverflowCappedByTotal(), "127.0.0.3").WrittenText);
    }

    [Fact]
    public void Overflow_connections_are_counted_per_peer()
    {
        using var host = new ProtocolTestHost();
        Assert.False(host.Connect(new OverflowCappedPerPeer(), "127.0.0.1").WasRejected);
        Assert.Equal("busy\r\n", host.Connect(new OverflowCappedPerPeer(), "127.0.0.1").WrittenText);
        Assert.True(host.Connect(new OverflowCappedPerPeer(), "127.0.0.1").WasRejected);
        var other = host.Connect(new OverflowCappedPerPeer(), "127.0.0.2");
        Assert.False(other.WasRejected);
        Assert.Equal("", other.WrittenText);
    }

    [Fact]
    public void Overflow_connections_go_through_UsePolicy_admission_and_a_rejection_frees_the_overflow_slot()
    {
        using var host = new ProtocolTestHost();
        Assert.False(host.Connect(new OverflowThroughUserPolicy(), "127.0.0.1").WasRejected);
        for (int i = 0; i < 3; i++) Assert.True(host.Connect(new OverflowThroughUserPolicy(), "10.9.9.9").WasRejected);
        Assert.Equal("busy\r\n", host.Connect(new OverflowThroughUserPolicy(), "127.0.0.2").WrittenText);
    }

    [Fact]
    public void An_overflow_protocol_whose_constructor_throws_does_not_leak_a_Total_slot()
    {
        using var host = new ProtocolTestHost();
        var first = host.Connect(new OverflowThatThrows());
        Assert.False(first.WasRejected);
        for (int i = 0; i < 3; i++) Assert.True(host.Connect(new OverflowThatThrows()).WasRejected);
        first.Close();
        Assert.False(host.Connect(new OverflowThatThrows()).WasRejected);
    }

    [Fact]
    public void A_throwing_UsePolicy_hook_does_not_skip_the_other_policies_tear_down()
    {
        using var host = new ProtocolTestHost();
        var first = new ThrowingTearDown();
        var connection = host.Connect(first, "127.0.0.1");
        connection.Send(new byte[3000]); // the peer's shared read budget is 2000 bytes in debt
        Assert.True(connection.Transport.IsReadingPaused);
        connection.Reset();
        Assert.Equal(1, first.Lost);
        Assert.Equal(0, host.PendingTimers); // MinDataRate's watch and the read throttle's wake-up are gone

        // The peer's throttle entry went with its last connection: a new one starts with a fresh budget.
        var next = host.Connect(new ThrowingTearDown(), "127.0.0.1");
        next.Send(new byte[10]);
        Assert.False(next.Transport.IsReadingPaused);
    }
}
