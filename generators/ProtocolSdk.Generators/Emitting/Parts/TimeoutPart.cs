using System.Collections.Generic;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Generators.Emitting.Parts;

/// <summary>
/// <c>[Timeout]</c>: starts the idle countdown, and restarts it on bytes received and on bytes actually sent (not merely
/// queued: a peer that never reads must not keep its connection alive by being written to).
/// </summary>
internal sealed class TimeoutPart(TimeoutModel model) : PolicyPart
{
    public override string Name => "Timeout";
    public override int Order => PartOrder.Timeout;

    public override void WriteFields(CodeWriter writer) =>
        Field(writer, $"private static readonly global::System.TimeSpan __psdkTimeout = global::System.TimeSpan.FromTicks({Literals.Long(model.Ticks)});");

    public override IReadOnlyList<string> ConnectionMade => ["SetTimeout(__psdkTimeout);"];
    public override IReadOnlyList<string> DataReceived => ["ResetTimeout();"];
    public override IReadOnlyList<string> DataSent => ["ResetTimeout();"];
}
