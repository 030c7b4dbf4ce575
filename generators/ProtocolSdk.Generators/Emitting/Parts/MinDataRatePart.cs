using System.Collections.Generic;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Generators.Emitting.Parts;

/// <summary><c>[MinDataRate]</c>: watches the connection from connection made until it closes.</summary>
internal sealed class MinDataRatePart(MinDataRateModel model) : PolicyPart
{
    public override string Name => "MinDataRate";
    public override int Order => PartOrder.MinDataRate;

    public override void WriteFields(CodeWriter writer)
    {
        Field(writer, $"private static readonly global::ProtocolSdk.Policies.MinDataRatePolicy __psdkMinDataRate = new(bytesPerSecond: {Literals.Double(model.BytesPerSecond)}, graceSeconds: {Literals.Double(model.GraceSeconds)});");
        Field(writer, "private global::ProtocolSdk.Policies.MinDataRateSession __psdkMinDataRateSession;");
    }

    public override IReadOnlyList<string> ConnectionMade => ["__psdkMinDataRateSession = __psdkMinDataRate.Start(Transport);"];

    public override IReadOnlyList<string> ConnectionLost => ["__psdkMinDataRateSession.Stop();"];
}
