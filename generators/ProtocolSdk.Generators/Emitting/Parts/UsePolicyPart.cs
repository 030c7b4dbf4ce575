using System.Collections.Generic;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Generators.Emitting.Parts;

/// <summary><c>[UsePolicy(typeof(T))]</c>: the struct lives in a field and is called directly at every hook (no boxing).</summary>
internal sealed class UsePolicyPart(UsePolicyModel model, int index) : PolicyPart
{
    private readonly string _field = "__psdkPolicy" + Literals.Int(index);

    public override string Name => "UsePolicy(" + model.TypeName.Replace("global::", "") + ")";
    public override int Order => PartOrder.UsePolicy;

    public override void WriteFields(CodeWriter writer) => Field(writer, $"private {model.TypeName} {_field};");

    public override bool CanOverflow => true;

    public override string Admit => _field + ".OnAdmit(transport)";
    public override IReadOnlyList<string> ConnectionMade => [_field + ".OnConnectionMade(this, Transport);"];
    public override IReadOnlyList<string> DataReceived => [_field + ".OnDataReceived(this, data);"];
    public override IReadOnlyList<string> DataWritten => [_field + ".OnDataWritten(this, data);"];
    public override IReadOnlyList<string> ConnectionLost => [_field + ".OnConnectionLost(this, reason);"];
}
