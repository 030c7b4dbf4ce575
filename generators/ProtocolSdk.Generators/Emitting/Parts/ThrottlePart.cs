using System.Collections.Generic;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Generators.Emitting.Parts;

/// <summary><c>[Throttle]</c>: starts the session (the write side attaches to the transport), charges reads, stops on close.</summary>
internal sealed class ThrottlePart(ThrottleModel model) : PolicyPart
{
    public override string Name => "Throttle";
    public override int Order => PartOrder.Throttle;

    public override void WriteFields(CodeWriter writer)
    {
        Field(writer, $"private static readonly global::ProtocolSdk.Policies.ThrottlePolicy __psdkThrottle = new(readBytesPerSecond: {Literals.Long(model.ReadBytesPerSecond)}, writeBytesPerSecond: {Literals.Long(model.WriteBytesPerSecond)}, scope: {Scope(model.Scope)}, burstBytes: {Literals.Long(model.BurstBytes)}, ipv6PrefixLength: {Literals.Int(model.IPv6PrefixLength)}{ClusterArguments.For(model.ClusterName)});");
        Field(writer, "private global::ProtocolSdk.Policies.ThrottleSession __psdkThrottleSession;");
    }

    public override string? Interface => ClusterArguments.Interface(model.ClusterName);

    public override IReadOnlyList<string> ConnectionMade => ["__psdkThrottleSession = __psdkThrottle.Start(Transport);"];

    public override IReadOnlyList<string> DataReceived => model.ReadBytesPerSecond > 0 ? ["__psdkThrottleSession.OnReceived(data.Length);"] : None;

    public override IReadOnlyList<string> ConnectionLost => ["__psdkThrottleSession.Stop();"];

    private static string Scope(int scope) => scope switch
    {
        0 => "global::ProtocolSdk.ThrottleScope.PerConnection",
        1 => "global::ProtocolSdk.ThrottleScope.PerPeer",
        2 => "global::ProtocolSdk.ThrottleScope.AllConnections",
        _ => "(global::ProtocolSdk.ThrottleScope)" + Literals.Int(scope),
    };
}
