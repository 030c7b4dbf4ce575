using Microsoft.CodeAnalysis;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Roslyn.Policies;

/// <summary><c>[MinDataRate]</c>: BytesPerSecond set, positive and finite; GraceSeconds positive, finite, 0.001 s to 365 days.</summary>
internal sealed class MinDataRateSpec : PolicySpec
{
    public MinDataRateSpec() : base("MinDataRate", "PSDK016") { }

    protected override PolicyModel? Check(AttributeData attribute, PolicyContext context, Problems problems)
    {
        double rate = 0, grace = PolicyDefaults.MinDataRateGraceSeconds;
        bool ok = true;
        if (!TryGetNamed(attribute, "BytesPerSecond", out var rateConstant))
        {
            problems.Error(null, "BytesPerSecond is not set; give the minimum average inbound rate in bytes per second");
            ok = false;
        }
        else
        {
            ok &= CheckPositiveFinite(rateConstant, problems, "BytesPerSecond", "the minimum inbound rate in bytes per second", double.MaxValue, out rate);
        }
        if (TryGetNamed(attribute, "GraceSeconds", out var graceConstant))
        {
            ok &= CheckPositiveFinite(graceConstant, problems, "GraceSeconds", "the grace period and measuring window in seconds", PolicyDefaults.MaxPeriodSeconds, out grace);
            if (ok && grace < PolicyDefaults.MinGraceSeconds)
            {
                problems.Error("GraceSeconds", "GraceSeconds = " + Text(grace) + " is shorter than 0.001 s; the rate cannot be measured over such a window");
                ok = false;
            }
        }
        return ok ? new MinDataRateModel(rate, grace) : null;
    }

    private static bool CheckPositiveFinite(TypedConstant constant, Problems problems, string property, string meaning, double max, out double value)
    {
        value = AsNumber(constant) ?? double.NaN;
        if (value > 0 && !double.IsInfinity(value) && value <= max) return true;
        string shown = Text(value);
        string problem = double.IsNaN(value) ? property + " is NaN"
            : double.IsInfinity(value) ? property + " = " + shown + " is infinite"
            : value > max ? property + " = " + shown + " is longer than 365 days"
            : property + " = " + shown + " is not positive";
        problems.Error(property, problem + "; it must be a positive, finite number: " + meaning);
        return false;
    }
}
