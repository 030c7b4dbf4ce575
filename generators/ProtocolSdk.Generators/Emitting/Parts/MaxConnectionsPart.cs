using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Generators.Emitting.Parts;

/// <summary><c>[MaxConnections]</c>: counts at admission (or hands over to the overflow protocol), releases exactly once.</summary>
internal sealed class MaxConnectionsPart(MaxConnectionsModel model) : PolicyPart
{
    public override string Name => "MaxConnections";
    public override int Order => PartOrder.MaxConnections;

    public override void WriteFields(CodeWriter writer)
    {
        Field(writer, $"private static readonly global::ProtocolSdk.Policies.MaxConnectionsPolicy __psdkConnectionLimit = new(total: {Literals.Int(model.Total)}, perPeer: {Literals.Int(model.PerPeer)}, ipv6PrefixLength: {Literals.Int(model.IPv6PrefixLength)}{ClusterArguments.For(model.ClusterName)});");
        if (model.OverflowType is not null)
        {
            Field(writer, $"private static readonly global::System.Func<global::ProtocolSdk.Protocol> __psdkCreateOverflow = static () => new {model.OverflowType}();");
        }
        Field(writer, "private global::ProtocolSdk.Policies.MaxConnectionsTicket __psdkConnectionTicket;");
    }

    public override bool CanOverflow => true;

    public override string? Interface => ClusterArguments.Interface(model.ClusterName);

    public override string Admit =>
        $"__psdkConnectionLimit.Admit(transport, ref __psdkConnectionTicket, {(model.OverflowType is null ? "null" : "__psdkCreateOverflow")})";

    public override string Release => "__psdkConnectionTicket.Release();";
}
