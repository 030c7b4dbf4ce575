using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Generators.Emitting.Parts;

/// <summary><c>[PeerFilter]</c>: admission first, before anything is counted, so a filtered peer never takes a slot.</summary>
internal sealed class PeerFilterPart(PeerFilterModel model) : PolicyPart
{
    public override string Name => "PeerFilter";
    public override int Order => PartOrder.PeerFilter;

    public override void WriteFields(CodeWriter writer) =>
        Field(writer, $"private static readonly global::ProtocolSdk.Policies.PeerFilterPolicy __psdkPeerFilter = new({Literals.StringArray(model.Allow)}, {Literals.StringArray(model.Deny)});");

    public override string Admit => "__psdkPeerFilter.Admit(transport)";
}
