using System;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK003: policy attribute values that the runtime would reject. Checked:
/// <list type="bullet">
/// <item>[Throttle]: ReadBytesPerSecond, WriteBytesPerSecond, BurstBytes negative (0 = unlimited / one second's worth);
/// an undefined Scope; neither rate positive.</item>
/// <item>[Timeout(s)]: s ≤ 0, NaN, infinite, or longer than 365 days (Protocol.SetTimeout's bound).</item>
/// <item>[MaxConnections]: Total or PerPeer negative; IPv6PrefixLength outside 0..128; PerPeer &gt; Total when both
/// positive; neither Total nor PerPeer positive.</item>
/// <item>[LogTraffic]: LengthLimit ≤ 0.</item>
/// </list>
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK003InvalidValueAnalyzer : ProtocolTypeAnalyzer
{
    /// <summary>Protocol.SetTimeout rejects periods longer than this.</summary>
    internal const double MaxTimeoutSeconds = 365 * 24 * 3600.0;

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK003_InvalidValue);

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class) return;
        string typeName = type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        foreach (var attribute in type.GetAttributes())
        {
            var cls = attribute.AttributeClass;
            if (cls is null || ProtocolSdkSymbols.HasErrors(attribute)) continue;
            if (SymbolEqualityComparer.Default.Equals(cls, symbols.Throttle)) CheckThrottle(context, type, typeName, attribute);
            else if (SymbolEqualityComparer.Default.Equals(cls, symbols.Timeout)) CheckTimeout(context, type, typeName, attribute);
            else if (SymbolEqualityComparer.Default.Equals(cls, symbols.MaxConnections)) CheckMaxConnections(context, type, typeName, attribute);
            else if (SymbolEqualityComparer.Default.Equals(cls, symbols.LogTraffic)) CheckLogTraffic(context, type, typeName, attribute);
        }
    }

    private static void Report(SymbolAnalysisContext context, Location location, string attribute, string typeName, string problem) =>
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.PSDK003_InvalidValue, location, attribute, typeName, problem));

    private static bool CheckNotNegative(SymbolAnalysisContext context, INamedTypeSymbol type, string typeName, AttributeData attribute, string attributeName, string property, string zeroMeaning)
    {
        var value = ProtocolSdkSymbols.NamedInteger(attribute, property);
        if (value is < 0)
        {
            Report(context, ProtocolSdkSymbols.ArgumentLocation(attribute, type, property), attributeName, typeName,
                property + " = " + value.Value.ToString(CultureInfo.InvariantCulture) + " is negative; use a positive value, or 0 for " + zeroMeaning);
            return false;
        }
        return true;
    }

    private static void CheckThrottle(SymbolAnalysisContext context, INamedTypeSymbol type, string typeName, AttributeData attribute)
    {
        bool ok = CheckNotNegative(context, type, typeName, attribute, "Throttle", "ReadBytesPerSecond", "no read limit");
        ok &= CheckNotNegative(context, type, typeName, attribute, "Throttle", "WriteBytesPerSecond", "no write limit");
        CheckNotNegative(context, type, typeName, attribute, "Throttle", "BurstBytes", "one second's worth of the limit");
        var prefix = ProtocolSdkSymbols.NamedInteger(attribute, "IPv6PrefixLength");
        if (prefix is < 0 or > 128)
        {
            Report(context, ProtocolSdkSymbols.ArgumentLocation(attribute, type, "IPv6PrefixLength"), "Throttle", typeName,
                "IPv6PrefixLength = " + prefix.Value.ToString(CultureInfo.InvariantCulture) + " is outside 0..128");
        }

        if (ProtocolSdkSymbols.TryGetNamed(attribute, "Scope", out var scope) && scope.Type is INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType && scope.Value is not null)
        {
            bool defined = enumType.GetMembers().OfType<IFieldSymbol>().Any(f => f.HasConstantValue && Equals(f.ConstantValue, scope.Value));
            if (!defined)
            {
                Report(context, ProtocolSdkSymbols.ArgumentLocation(attribute, type, "Scope"), "Throttle", typeName,
                    "Scope = " + Convert.ToString(scope.Value, CultureInfo.InvariantCulture) + " is not a defined ThrottleScope value");
            }
        }

        if (ok && !(ProtocolSdkSymbols.NamedInteger(attribute, "ReadBytesPerSecond") > 0) && !(ProtocolSdkSymbols.NamedInteger(attribute, "WriteBytesPerSecond") > 0))
        {
            Report(context, ProtocolSdkSymbols.AttributeLocation(attribute, type), "Throttle", typeName,
                "neither ReadBytesPerSecond nor WriteBytesPerSecond is positive, so the throttle limits nothing; set at least one of them");
        }
    }

    private static void CheckTimeout(SymbolAnalysisContext context, INamedTypeSymbol type, string typeName, AttributeData attribute)
    {
        if (attribute.ConstructorArguments.Length != 1) return;
        var arg = attribute.ConstructorArguments[0];
        if (arg.Kind != TypedConstantKind.Primitive || arg.Value is null) return;
        double seconds = Convert.ToDouble(arg.Value, CultureInfo.InvariantCulture);
        string? problem = null;
        string shown = seconds.ToString("R", CultureInfo.InvariantCulture);
        if (double.IsNaN(seconds)) problem = "the timeout is NaN; give a positive, finite number of seconds";
        else if (double.IsInfinity(seconds)) problem = "the timeout " + shown + " is infinite; remove [Timeout] for no timeout";
        else if (seconds <= 0) problem = "the timeout " + shown + " s is not positive; remove [Timeout] for no timeout";
        else if (seconds > MaxTimeoutSeconds) problem = "the timeout " + shown + " s is longer than 365 days, which Protocol.SetTimeout rejects";
        if (problem is not null)
        {
            Report(context, ProtocolSdkSymbols.ArgumentLocation(attribute, type, "seconds", 0), "Timeout", typeName, problem);
        }
    }

    private static void CheckMaxConnections(SymbolAnalysisContext context, INamedTypeSymbol type, string typeName, AttributeData attribute)
    {
        bool ok = CheckNotNegative(context, type, typeName, attribute, "MaxConnections", "Total", "no total limit");
        ok &= CheckNotNegative(context, type, typeName, attribute, "MaxConnections", "PerPeer", "no per-peer limit");

        var prefix = ProtocolSdkSymbols.NamedInteger(attribute, "IPv6PrefixLength");
        if (prefix is < 0 or > 128)
        {
            Report(context, ProtocolSdkSymbols.ArgumentLocation(attribute, type, "IPv6PrefixLength"), "MaxConnections", typeName,
                "IPv6PrefixLength = " + prefix.Value.ToString(CultureInfo.InvariantCulture) + " is outside 0..128");
        }

        long total = ProtocolSdkSymbols.NamedInteger(attribute, "Total") ?? 0;
        long perPeer = ProtocolSdkSymbols.NamedInteger(attribute, "PerPeer") ?? 0;
        if (total > 0 && perPeer > total)
        {
            Report(context, ProtocolSdkSymbols.ArgumentLocation(attribute, type, "PerPeer"), "MaxConnections", typeName,
                "PerPeer = " + perPeer.ToString(CultureInfo.InvariantCulture) + " is larger than Total = " + total.ToString(CultureInfo.InvariantCulture) + ", so it can never apply");
        }
        if (ok && total <= 0 && perPeer <= 0)
        {
            Report(context, ProtocolSdkSymbols.AttributeLocation(attribute, type), "MaxConnections", typeName,
                "neither Total nor PerPeer is positive, so nothing is limited; set at least one of them");
        }
    }

    private static void CheckLogTraffic(SymbolAnalysisContext context, INamedTypeSymbol type, string typeName, AttributeData attribute)
    {
        var limit = ProtocolSdkSymbols.NamedInteger(attribute, "LengthLimit");
        if (limit is <= 0)
        {
            Report(context, ProtocolSdkSymbols.ArgumentLocation(attribute, type, "LengthLimit"), "LogTraffic", typeName,
                "LengthLimit = " + limit.Value.ToString(CultureInfo.InvariantCulture) + " is not positive; it is the number of bytes shown per chunk");
        }
    }
}
