using Microsoft.Extensions.Time.Testing;
using ProtocolSdk.Testing;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Cluster;

/// <summary>ClusterWide [MaxConnections] through the in-memory store: two test hosts sharing one store act as two servers.</summary>
public class ClusterAdmissionTests
{
    private static ProtocolTestHost Instance(InMemoryClusterStore store) =>
        new(new FakeTimeProvider(), new ProtocolServerOptions { ClusterStore = store });

    [Fact]
    public void A_per_peer_limit_holds_across_two_instances_and_frees_when_one_closes()
    {
        var store = new InMemoryClusterStore();
        using var a = Instance(store);
        using var b = Instance(store);

        var first = a.Connect(new ClusterPerPeer(), "10.0.0.7");
        var second = b.Connect(new ClusterPerPeer(), "10.0.0.7");
        var thirdProtocol = new ClusterPerPeer();
        var third = b.Connect(thirdProtocol, "10.0.0.7");
        var otherPeer = b.Connect(new ClusterPerPeer(), "10.0.0.8");

        Assert.False(first.WasRejected);
        Assert.False(second.WasRejected);
        Assert.True(third.WasRejected); // each instance holds one: locally fine, but two across the fleet
        Assert.Equal(0, thirdProtocol.Made);
        Assert.Equal("cluster-wide per-peer connection limit (2)", third.Transport.Reason.Message);
        Assert.False(otherPeer.WasRejected);
        Assert.Equal(2, store.SlotsHeld(ClusterPerPeer.Policy, "peer:10.0.0.7"));

        first.Close();
        Assert.Equal(1, store.SlotsHeld(ClusterPerPeer.Policy, "peer:10.0.0.7"));
        Assert.False(b.Connect(new ClusterPerPeer(), "10.0.0.7").WasRejected);
    }

    [Fact]
    public void The_local_limit_refuses_first_without_asking_the_store()
    {
        var store = new InMemoryClusterStore();
        using var a = Instance(store);
        a.Connect(new ClusterPerPeer(), "10.0.0.7");
        a.Connect(new ClusterPerPeer(), "10.0.0.7");
        long calls = store.SlotCalls;

        var refused = a.Connect(new ClusterPerPeer(), "10.0.0.7");

        Assert.True(refused.WasRejected);
        Assert.Equal("per-peer connection limit (2)", refused.Transport.Reason.Message);
        Assert.Equal(calls, store.SlotCalls);
    }

    [Fact]
    public void Total_and_per_peer_are_taken_together_or_not_at_all()
    {
        var store = new InMemoryClusterStore();
        using var a = Instance(store);
        using var b = Instance(store);
        a.Connect(new ClusterTotalAndPeer(), "10.0.0.1");
        a.Connect(new ClusterTotalAndPeer(), "10.0.0.2");
        b.Connect(new ClusterTotalAndPeer(), "10.0.0.3");

        var overTotal = b.Connect(new ClusterTotalAndPeer(), "10.0.0.4");

        Assert.True(overTotal.WasRejected);
        Assert.Equal("cluster-wide total connection limit (3)", overTotal.Transport.Reason.Message);
        Assert.Equal(0, store.SlotsHeld(ClusterTotalAndPeer.Policy, "peer:10.0.0.4")); // nothing left behind
        Assert.Equal(3, store.SlotsHeld(ClusterTotalAndPeer.Policy, "total"));
    }

    [Fact]
    public void A_connection_waits_for_the_store_before_it_is_made_or_counted()
    {
        var store = new InMemoryClusterStore();
        using var a = Instance(store);
        store.HoldAnswers();
        var protocol = new ClusterPerPeer();
        var pending = a.Connect(protocol, "10.0.0.7");

        Assert.Equal(0, protocol.Made);
        Assert.False(pending.WasRejected);
        Assert.Equal(0, a.ConnectionCount);

        store.ReleaseAnswers();
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref protocol.Made) == 1, TimeSpan.FromSeconds(5)));
        Assert.Equal(1, a.ConnectionCount);
        pending.Close();
        Assert.Equal(1, protocol.Lost);
        Assert.Equal(0, store.TotalSlotsHeld);
    }

    [Fact]
    public void A_later_admission_policy_refusing_gives_the_slot_back_even_when_the_store_answers_after()
    {
        var store = new InMemoryClusterStore();
        using var a = Instance(store);
        store.HoldAnswers();
        var refused = a.Connect(new ClusterThenRefused(), "10.9.9.9");
        Assert.True(refused.WasRejected);

        store.ReleaseAnswers();
        Assert.True(SpinWait.SpinUntil(() => store.SlotCalls == 1 && store.TotalSlotsHeld == 0, TimeSpan.FromSeconds(5)));
        // The peer's two slots are all free: two connections are admitted.
        Assert.False(a.Connect(new ClusterThenRefused(), "10.0.0.1").WasRejected);
        Assert.False(a.Connect(new ClusterThenRefused(), "10.0.0.1").WasRejected);
        Assert.Equal(2, store.SlotsHeld(ClusterThenRefused.Policy, "peer:10.0.0.1"));
    }

    [Fact]
    public void A_cluster_refusal_goes_to_the_overflow_protocol_when_one_is_declared()
    {
        var store = new InMemoryClusterStore();
        using var a = Instance(store);
        using var b = Instance(store);
        a.Connect(new ClusterWithOverflow(), "10.0.0.7");

        var second = b.Connect(new ClusterWithOverflow(), "10.0.0.7");

        Assert.False(second.WasRejected);
        Assert.Equal("busy\r\n", second.WrittenText);
        second.Close();
        Assert.Equal(1, store.TotalSlotsHeld); // the overflow connection held no cluster slot
    }

    [Theory]
    [InlineData(ClusterFailureMode.FailLocal, false)]
    [InlineData(ClusterFailureMode.FailOpen, false)]
    [InlineData(ClusterFailureMode.FailClosed, true)]
    public void While_the_store_is_down_its_failure_mode_decides(ClusterFailureMode mode, bool refused)
    {
        var store = new InMemoryClusterStore { IsAvailable = false, FailureMode = mode };
        using var a = Instance(store);

        var connection = a.Connect(new ClusterPerPeer(), "10.0.0.7");

        Assert.Equal(refused, connection.WasRejected);
        if (refused) Assert.Equal("cluster store unavailable (fail-closed)", connection.Transport.Reason.Message);
        // The per-instance limit holds in every mode.
        a.Connect(new ClusterPerPeer(), "10.0.0.7");
        Assert.True(a.Connect(new ClusterPerPeer(), "10.0.0.7").WasRejected);
    }

    [Fact]
    public void Without_a_store_connections_are_refused_with_a_reason_that_says_so()
    {
        using var a = new ProtocolTestHost();
        var connection = a.Connect(new ClusterPerPeer(), "10.0.0.7");
        Assert.True(connection.WasRejected);
        Assert.Contains("ProtocolServerOptions.ClusterStore", connection.Transport.Reason.Message);
    }

    [Fact]
    public async Task ListenTcpAsync_fails_at_start_without_a_store()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ProtocolServer.ListenTcpAsync<ClusterPerPeer>(Loopback.AnyPort));
        Assert.Contains("ClusterPerPeer declares a ClusterWide policy", error.Message);
        Assert.Contains("ProtocolServerOptions.ClusterStore", error.Message);

        await using var server = await ProtocolServer.ListenTcpAsync<ClusterPerPeer>(Loopback.AnyPort,
            new ProtocolServerOptions { ClusterStore = new InMemoryClusterStore() });
        Assert.NotNull(server.LocalEndPoint);
    }
}
