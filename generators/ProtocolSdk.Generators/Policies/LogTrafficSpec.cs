using Microsoft.CodeAnalysis;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Roslyn.Policies;

/// <summary><c>[LogTraffic]</c>: a positive LengthLimit and a defined LogLevel (Trace..None).</summary>
internal sealed class LogTrafficSpec : PolicySpec
{
    public LogTrafficSpec() : base("LogTraffic", "PSDK003") { }

    protected override PolicyModel? Check(AttributeData attribute, PolicyContext context, Problems problems)
    {
        bool ok = true;
        long length = Integer(attribute, "LengthLimit", PolicyDefaults.LogTrafficLengthLimit);
        if (length <= 0)
        {
            problems.Error("LengthLimit", "LengthLimit = " + Text(length) + " is not positive; it is the number of bytes shown per chunk");
            ok = false;
        }
        long level = Integer(attribute, "Level", PolicyDefaults.LogTrafficLevel);
        if (level is < 0 or > PolicyDefaults.MaxLogLevel)
        {
            problems.Error("Level", "Level = " + Text(level) + " is not a defined LogLevel value (Trace = 0 .. None = 6)");
            ok = false;
        }
        return ok ? new LogTrafficModel((int)length, (int)level) : null;
    }
}
