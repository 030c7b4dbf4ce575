using ProtocolSdk.Testing;

namespace ProtocolSdk.Tests.Policies;

/// <summary>[UsePolicy] structs run at every hook, in attribute order, before the protocol's own callback.</summary>
public class UserPolicyTests
{
    [Fact]
    public void A_policy_struct_runs_at_every_hook_in_order()
    {
        using var host = new ProtocolTestHost();
        int admissionsBefore = Volatile.Read(ref RecordingPolicy.Admissions);
        var protocol = new UserPolicyProtocol();
        var conn = host.Connect(protocol);
        Assert.Equal(admissionsBefore + 1, Volatile.Read(ref RecordingPolicy.Admissions));

        conn.Send("abc");
        conn.Close();

        Assert.Equal(
        [
            "policy made #1", "second made", "protocol made",
            "policy received 3 #2", "second received", "protocol received 3",
            "policy written 3 #3", "second written",
            "policy lost PeerClosed #4", "second lost", "protocol lost PeerClosed",
        ], protocol.Events);
    }
}
