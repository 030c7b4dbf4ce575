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
