using System;
using Microsoft.CodeAnalysis;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Roslyn.Policies;

/// <summary>
/// <c>[Timeout(seconds)]</c>: positive, finite, at most 365 days (Protocol.SetTimeout's bound). A period shorter than one
/// tick (100 ns) is rounded up to one tick, the shortest period SetTimeout accepts: it is generated, never dropped.
/// </summary>
internal sealed class TimeoutSpec : PolicySpec
{
    public TimeoutSpec() : base("Timeout", "PSDK003") { }

    protected override PolicyModel? Check(AttributeData attribute, PolicyContext context, Problems problems)
    {
        if (attribute.ConstructorArguments.Length != 1 || AsNumber(attribute.ConstructorArguments[0]) is not { } seconds) return null;
        string shown = Text(seconds);
        string? problem =
            double.IsNaN(seconds) ? "the timeout is NaN; give a positive, finite number of seconds"
            : double.IsInfinity(seconds) ? "the timeout " + shown + " is infinite; remove [Timeout] for no timeout"
            : seconds <= 0 ? "the timeout " + shown + " s is not positive; remove [Timeout] for no timeout"
            : seconds > PolicyDefaults.MaxPeriodSeconds ? "the timeout " + shown + " s is longer than 365 days, which Protocol.SetTimeout rejects"
            : null;
        if (problem is not null)
        {
            problems.Error("seconds", problem, position: 0);
            return null;
        }
        // Rounded up, so a tiny positive period stays positive: 1e-9 s becomes one tick.
        long ticks = Math.Max(1L, (long)Math.Ceiling(seconds * TimeSpan.TicksPerSecond));
        return new TimeoutModel(ticks);
    }
}
