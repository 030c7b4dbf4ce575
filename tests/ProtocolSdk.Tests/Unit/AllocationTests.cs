using ProtocolSdk.Tests.Support;
using ProtocolSdk.Testing;

namespace ProtocolSdk.Tests.Unit;

/// <summary>Zero heap allocations per received chunk, write and timer reset in steady state (test kit, current thread).</summary>
public class AllocationTests
{
    [Fact]
    public void Receive_write_and_timeout_reset_allocate_nothing_in_steady_state()
    {
        using var host = new ProtocolTestHost();
        var protocol = new EchoWithTimeout();
        var conn = host.Connect(protocol);
        protocol.SetTimeout(TimeSpan.FromSeconds(30));
        var chunk = new byte[64];

        void Run(int n)
        {
            for (int i = 0; i < n; i++)
            {
                conn.Transport.PeerSend(chunk);
                conn.Transport.ClearWritten();
            }
        }

        Run(1000); // warm up: JIT, buffer capacity
        long sentBefore = conn.Transport.BytesSent;
        AllocationAssert.NothingAllocatedPerEvent(() => Run(10_000));
        Assert.Equal(0, (conn.Transport.BytesSent - sentBefore) % (10_000 * 64)); // every chunk echoed, round after round
    }

    [Fact]
    public void Buffered_writes_reuse_pooled_blocks_once_warm()
    {
        using var host = new ProtocolTestHost();
        var protocol = new EchoWithTimeout();
        var conn = host.Connect(protocol);
        var chunk = new byte[1000];

        void Run(int n)
        {
            for (int i = 0; i < n; i++)
            {
                conn.Transport.SetPeerReceiveWindow(0);
                protocol.Transport.Write(chunk); // refused by the peer: copied into the output buffer
                conn.Transport.SetPeerReceiveWindow(null); // drained
                conn.Transport.ClearWritten();
            }
        }

        Run(1000);
        AllocationAssert.NothingAllocatedPerEvent(() => Run(5000));
    }

    private sealed class EchoWithTimeout : Protocol
    {
        public override void DataReceived(ReadOnlySpan<byte> data)
        {
            ResetTimeout();
            Transport.Write(data);
        }
    }
}
