using System.Net;
using ProtocolSdk.Policies;
using ProtocolSdk.Tests.Policies;

namespace ProtocolSdk.Tests.Cluster;

[MaxConnections(PerPeer = 2, ClusterWide = true)]
public sealed partial class ClusterPerPeer : TracingProtocol
{
    public const string Policy = "ProtocolSdk.Tests.Cluster.ClusterPerPeer:connections:t0:p2";
}

[MaxConnections(Total = 3, PerPeer = 2, ClusterWide = true)]
public sealed partial class ClusterTotalAndPeer : TracingProtocol
{
    public const string Policy = "ProtocolSdk.Tests.Cluster.ClusterTotalAndPeer:connections:t3:p2";
}

[MaxConnections(PerPeer = 1, ClusterWide = true, Overflow = typeof(BusyProtocol))]
public sealed partial class ClusterWithOverflow : TracingProtocol { }

/// <summary>Refuses 10.9.9.9 after [MaxConnections] counted it (so the cluster slot must be given back).</summary>
public struct RefuseTenNineLater : IConnectionPolicy
{
    public static readonly IPAddress Refused = IPAddress.Parse("10.9.9.9");
    public ConnectionAdmission OnAdmit(Transport transport) =>
        transport.RemoteEndPoint.Address.Equals(Refused) ? ConnectionAdmission.Reject("refused later") : ConnectionAdmission.Accept;
    public void OnConnectionMade(Protocol protocol, Transport transport) { }
    public void OnDataReceived(Protocol protocol, ReadOnlySpan<byte> data) { }
    public void OnDataWritten(Protocol protocol, ReadOnlySpan<byte> data) { }
    public void OnConnectionLost(Protocol protocol, DisconnectReason reason) { }
}

[MaxConnections(PerPeer = 2, ClusterWide = true), UsePolicy(typeof(RefuseTenNineLater))]
public sealed partial class ClusterThenRefused : TracingProtocol
{
    public const string Policy = "ProtocolSdk.Tests.Cluster.ClusterThenRefused:connections:t0:p2";
}

// A small burst: the test measures the sustained rate, and on a loaded machine a stall lets a bucket refill to its burst
// (one second's worth by default), which a 3 s window would then count as a third over the limit.
[Throttle(ReadBytesPerSecond = 100_000, Scope = ThrottleScope.PerPeer, ClusterWide = true, BurstBytes = 10_000)]
public sealed partial class ClusterThrottledSink : Protocol
{
    private long _received;
    public long Received => Interlocked.Read(ref _received);
    public override void DataReceived(ReadOnlySpan<byte> data) => Interlocked.Add(ref _received, data.Length);
}

[Throttle(ReadBytesPerSecond = 1_000_000_000, Scope = ThrottleScope.AllConnections, ClusterWide = true)]
public sealed partial class ClusterThrottledEcho : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
}
