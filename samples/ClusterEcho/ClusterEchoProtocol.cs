using System;

namespace ProtocolSdk.Samples.ClusterEcho;

/// <summary>
/// An echo whose limits hold across every instance that shares one Redis: at most 4 connections per client address
/// in the whole fleet, and 200 kB/s of upload per client address in the whole fleet (the echo comes back at that
/// rate too). Start two instances on different ports against the same Redis and a client that opens 4 connections to
/// the first gets none on the second; kill the first and its slots free themselves within the lease time.
/// </summary>
[MaxConnections(PerPeer = 4, ClusterWide = true)]
[Throttle(ReadBytesPerSecond = 200_000, Scope = ThrottleScope.PerPeer, ClusterWide = true)]
public sealed partial class ClusterEchoProtocol : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        SampleMetrics.MessageHandled(); // a "message" here is one received chunk
        Transport.Write(data);
    }
}
