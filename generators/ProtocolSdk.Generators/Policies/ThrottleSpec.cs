using Microsoft.CodeAnalysis;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Roslyn.Policies;

/// <summary><c>[Throttle]</c>: rates and burst not negative (0 = unlimited / one second's worth), at least one rate, a defined scope, prefix 0..128.</summary>
internal sealed class ThrottleSpec : PolicySpec
{
    public ThrottleSpec() : base("Throttle", "PSDK003") { }

    protected override PolicyModel? Check(AttributeData attribute, PolicyContext context, Problems problems)
    {
        bool ratesOk = CheckNotNegative(attribute, problems, "ReadBytesPerSecond", "no read limit");
        ratesOk &= CheckNotNegative(attribute, problems, "WriteBytesPerSecond", "no write limit");
        bool ok = CheckNotNegative(attribute, problems, "BurstBytes", "one second's worth of the limit") & ratesOk;
        int prefix = CheckPrefix(attribute, problems);
        long scope = Integer(attribute, "Scope", PolicyDefaults.ThrottleScope);
        if (scope is < 0 or > PolicyDefaults.MaxThrottleScope)
        {
            problems.Error("Scope", "Scope = " + Text(scope) + " is not a defined ThrottleScope value");
            ok = false;
        }
        long read = Integer(attribute, "ReadBytesPerSecond", 0);
        long write = Integer(attribute, "WriteBytesPerSecond", 0);
        if (ratesOk && read == 0 && write == 0)
        {
            problems.Error(null, "neither ReadBytesPerSecond nor WriteBytesPerSecond is positive, so the throttle limits nothing; set at least one of them");
            ok = false;
        }
        if (!ok || prefix < 0) return null;
        return new ThrottleModel(read, write, (int)scope, Integer(attribute, "BurstBytes", 0), prefix, ClusterName(attribute, context));
    }
}
