using System.Net;
using ProtocolSdk.Policies;
using ProtocolSdk.Testing;

namespace ProtocolSdk.Tests.Policies;

/// <summary>The runtime side of [PeerFilter] and [MinDataRate], wired by hand the way generated code wires them.</summary>
public class RuntimeSecurityPolicyTests
{
    private sealed class Filtered : Protocol
    {
        private static readonly PeerFilterPolicy Filter = new(new[] { "127.0.0.0/8", "::1/128", "10.1.2.3" }, new[] { "127.0.0.66/32" });
        protected override ConnectionAdmission OnPolicyAdmit(Transport transport) => Filter.Admit(transport);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.9.9.9", true)]
    [InlineData("127.0.0.66", false)]
    [InlineData("10.1.2.3", true)]
    [InlineData("10.1.2.4", false)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.5", true)]
    [InlineData("::ffff:127.0.0.66", false)]
    [InlineData("2001:db8::1", false)]
    public void Peer_filter_allows_and_denies_by_CIDR(string address, bool admitted)
    {
        using var host = new ProtocolTestHost();
        var conn = host.Connect(new Filtered(), new IPEndPoint(IPAddress.Parse(address), 5000));
        Assert.Equal(!admitted, conn.WasRejected);
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("not an address")]
    [InlineData("")]
    [InlineData("10.0.0.1/8")] // host bits set
    public void Invalid_CIDR_text_is_a_clear_error(string entry)
    {
        var ex = Assert.Throws<FormatException>(() => new PeerFilterPolicy(new[] { entry }, Array.Empty<string>()));
        Assert.Contains("CIDR", ex.Message);
    }

    private sealed class RateWatched : Protocol
    {
        private static readonly MinDataRatePolicy Policy = new(bytesPerSecond: 100, graceSeconds: 2);
        private MinDataRateSession _session;
        protected override void OnPolicyConnectionMade() => _session = Policy.Start(Transport);
        protected override void OnPolicyConnectionLost(DisconnectReason reason) => _session.Stop();
    }

    [Fact]
    public void A_slow_sender_is_closed_after_the_grace_period()
    {
        using var host = new ProtocolTestHost();
        var conn = host.Connect(new RateWatched());
        for (int i = 0; i < 10 && !conn.IsClosed; i++)
        {
            conn.Send("x"); // 1 byte per second: far below 100 B/s
            host.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.True(conn.IsClosed);
        var reason = conn.Transport.LostReason!.Value;
        Assert.Equal(DisconnectKind.PolicyViolation, reason.Kind);
        Assert.Contains("below the minimum", reason.Message);
        Assert.Equal(0, host.PendingTimers);
    }

    [Fact]
    public void A_fast_sender_is_not_closed()
    {
        using var host = new ProtocolTestHost();
        var conn = host.Connect(new RateWatched());
        for (int i = 0; i < 40; i++)
        {
            conn.Send(new byte[60]); // 240 B/s
            host.Advance(TimeSpan.FromMilliseconds(250));
        }
        Assert.False(conn.IsClosed);
    }

    [Fact]
    public void Time_with_reading_paused_or_data_waiting_on_our_side_is_not_held_against_the_peer()
    {
        using var host = new ProtocolTestHost();
        var conn = host.Connect(new RateWatched());
        conn.Transport.PauseReading(); // e.g. the protocol is busy: the peer cannot send
        host.Advance(TimeSpan.FromSeconds(10));
        Assert.False(conn.IsClosed);
        conn.Transport.ResumeReading();
        conn.Transport.SimulatedUnreadBytes = 4096; // bytes are waiting for us: we are late, not the peer
        host.Advance(TimeSpan.FromSeconds(10));
        Assert.False(conn.IsClosed);
        conn.Transport.SimulatedUnreadBytes = 0;
        host.Advance(TimeSpan.FromSeconds(3));
        Assert.True(conn.IsClosed);
    }
}
