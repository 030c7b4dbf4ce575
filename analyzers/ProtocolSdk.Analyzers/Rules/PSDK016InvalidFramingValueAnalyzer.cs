using System;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK016: values of <c>[LineFraming]</c>, <c>[LengthPrefixFraming]</c> and <c>[MinDataRate]</c> that the runtime rejects or
/// that cannot work: a MaxLength that is not positive, PrefixBytes other than 1, 2 or 4, a MaxLength the prefix cannot
/// express, an empty delimiter or one with a character above 255, and a rate or grace period that is not positive and finite.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK016InvalidFramingValueAnalyzer : ProtocolTypeAnalyzer
{
    /// <summary>Default of <c>LengthPrefixFramingAttribute.MaxLength</c>.</summary>
    internal const long DefaultFrameMaxLength = 1024 * 1024;

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK016_InvalidFramingOrRate);

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class) return;
        string typeName = type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        foreach (var attribute in type.GetAttributes())
        {
            var cls = attribute.AttributeClass;
            if (cls is null || ProtocolSdkSymbols.HasErrors(attribute)) continue;
            if (SymbolEqualityComparer.Default.Equals(cls, symbols.LineFraming)) CheckLineFraming(context, type, typeName, attribute);
            else if (SymbolEqualityComparer.Default.Equals(cls, symbols.LengthPrefixFraming)) CheckLengthPrefixFraming(context, type, typeName, attribute);
            else if (SymbolEqualityComparer.Default.Equals(cls, symbols.MinDataRate)) CheckMinDataRate(context, type, typeName, attribute);
        }
    }

    private static void Report(SymbolAnalysisContext context, Location location, string attribute, string typeName, string problem) =>
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.PSDK016_InvalidFramingOrRate, location, attribute, typeName, problem));

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static void CheckMaxLength(SymbolAnalysisContext context, INamedTypeSymbol type, string typeName, AttributeData attribute, string attributeName, string meaning)
    {
        var max = ProtocolSdkSymbols.NamedInteger(attribute, "MaxLength");
        if (max is <= 0)
        {
            Report(context, ProtocolSdkSymbols.ArgumentLocation(attribute, type, "MaxLength"), attributeName, typeName,
                "MaxLength = " + N(max.Value) + " is not positive; it is the " + meaning + ", in bytes");
        }
    }

    private static void CheckLineFraming(SymbolAnalysisContext context, INamedTypeSymbol type, string typeName, AttributeData attribute)
    {
        CheckMaxLength(context, type, typeName, attribute, "LineFraming", "longest line accepted");
        if (!ProtocolSdkSymbols.TryGetNamed(attribute, "Delimiter", out var delimiter) || delimiter.Kind == TypedConstantKind.Error) return;
        var location = ProtocolSdkSymbols.ArgumentLocation(attribute, type, "Delimiter");
        if (delimiter.Value is not string text || text.Length == 0)
        {
            Report(context, location, "LineFraming", typeName, "the Delimiter is " + (delimiter.Value is null ? "null" : "empty") + "; use e.g. \"\\r\\n\" or \"\\n\"");
            return;
        }
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] > '\u00FF')
            {
                Report(context, location, "LineFraming", typeName,
                    "Delimiter character U+" + ((int)text[i]).ToString("X4", CultureInfo.InvariantCulture) + " at index " + N(i) +
                    " is above 255; delimiter characters are taken as single bytes (0..255)");
                return;
            }
        }
    }

    private static void CheckLengthPrefixFraming(SymbolAnalysisContext context, INamedTypeSymbol type, string typeName, AttributeData attribute)
    {
        CheckMaxLength(context, type, typeName, attribute, "LengthPrefixFraming", "largest payload accepted");
        var prefix = ProtocolSdkSymbols.NamedInteger(attribute, "PrefixBytes");
        if (prefix is not null and not (1 or 2 or 4))
        {
            Report(context, ProtocolSdkSymbols.ArgumentLocation(attribute, type, "PrefixBytes"), "LengthPrefixFraming", typeName,
                "PrefixBytes = " + N(prefix.Value) + " is not 1, 2 or 4");
            return;
        }
        if (prefix is not (1 or 2)) return; // a 4-byte prefix expresses every int MaxLength
        long capacity = prefix == 1 ? byte.MaxValue : ushort.MaxValue;
        var max = ProtocolSdkSymbols.NamedInteger(attribute, "MaxLength");
        long effective = max ?? DefaultFrameMaxLength;
        if (effective <= capacity || effective <= 0) return;
        Report(context,
            ProtocolSdkSymbols.ArgumentLocation(attribute, type, max is null ? "PrefixBytes" : "MaxLength"),
            "LengthPrefixFraming", typeName,
            "MaxLength = " + N(effective) + (max is null ? " (the default)" : "") + " is more than a " + N(prefix.Value) +
            "-byte prefix can express (" + N(capacity) + "); set MaxLength to at most " + N(capacity) + " or use a longer prefix");
    }

    private static void CheckMinDataRate(SymbolAnalysisContext context, INamedTypeSymbol type, string typeName, AttributeData attribute)
    {
        if (!ProtocolSdkSymbols.TryGetNamed(attribute, "BytesPerSecond", out var rate))
        {
            Report(context, ProtocolSdkSymbols.AttributeLocation(attribute, type), "MinDataRate", typeName,
                "BytesPerSecond is not set; give the minimum average inbound rate in bytes per second");
        }
        else
        {
            CheckPositiveFinite(context, type, typeName, attribute, rate, "BytesPerSecond", "the minimum inbound rate in bytes per second");
        }
        if (ProtocolSdkSymbols.TryGetNamed(attribute, "GraceSeconds", out var grace))
        {
            CheckPositiveFinite(context, type, typeName, attribute, grace, "GraceSeconds", "the grace period and measuring window in seconds");
        }
    }

    private static void CheckPositiveFinite(SymbolAnalysisContext context, INamedTypeSymbol type, string typeName, AttributeData attribute, TypedConstant constant, string property, string meaning)
    {
        if (constant.Kind != TypedConstantKind.Primitive || constant.Value is null) return;
        double value = Convert.ToDouble(constant.Value, CultureInfo.InvariantCulture);
        if (value > 0 && !double.IsInfinity(value)) return;
        string shown = value.ToString("R", CultureInfo.InvariantCulture);
        string problem = double.IsNaN(value) ? property + " is NaN"
            : double.IsInfinity(value) ? property + " = " + shown + " is infinite"
            : property + " = " + shown + " is not positive";
        Report(context, ProtocolSdkSymbols.ArgumentLocation(attribute, type, property), "MinDataRate", typeName,
            problem + "; it must be a positive, finite number: " + meaning);
    }
}
