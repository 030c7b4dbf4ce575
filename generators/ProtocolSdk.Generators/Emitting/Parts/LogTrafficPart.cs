using System.Collections.Generic;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Generators.Emitting.Parts;

/// <summary><c>[LogTraffic]</c>: first to see every event, last to close, so the log shows what the other policies did.</summary>
internal sealed class LogTrafficPart(LogTrafficModel model, string category) : PolicyPart
{
    public override string Name => "LogTraffic";
    public override int Order => PartOrder.LogTraffic;

    public override void WriteFields(CodeWriter writer)
    {
        Field(writer, $"private static readonly global::ProtocolSdk.Policies.LogTrafficPolicy __psdkTrafficLog = new({Literals.String(category)}, lengthLimit: {Literals.Int(model.LengthLimit)}, level: (global::Microsoft.Extensions.Logging.LogLevel){Literals.Int(model.Level)});");
        Field(writer, "private global::ProtocolSdk.Policies.LogTrafficSession __psdkLogTrafficSession;");
    }

    public override IReadOnlyList<string> ConnectionMade => ["__psdkLogTrafficSession = __psdkTrafficLog.Start(Transport);"];
    public override IReadOnlyList<string> DataReceived => ["__psdkLogTrafficSession.Received(data);"];
    public override IReadOnlyList<string> DataWritten => ["__psdkLogTrafficSession.Sent(data);"];
    public override IReadOnlyList<string> ConnectionLost => ["__psdkLogTrafficSession.Lost(reason);"];
}
