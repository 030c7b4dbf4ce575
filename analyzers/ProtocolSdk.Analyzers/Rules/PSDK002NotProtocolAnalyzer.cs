using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>PSDK002: a class with a policy attribute must derive from <c>ProtocolSdk.Protocol</c>.</summary>
/// <remarks>Static classes and records cannot derive from Protocol at all; PSDK007 reports those instead.</remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK002NotProtocolAnalyzer : ProtocolTypeAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK002_NotProtocol);

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class || type.IsStatic || type.IsRecord) return;
        var attributes = symbols.GetPolicyAttributes(type);
        if (attributes.Count == 0 || symbols.DerivesFromProtocol(type)) return;

        string baseNote = type.BaseType is { SpecialType: not SpecialType.System_Object } b
            ? " (its base class is '" + b.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat) + "')"
            : string.Empty;
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.PSDK002_NotProtocol,
            type.Locations.FirstOrDefault(),
            type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
            ProtocolSdkSymbols.ShortName(attributes[0]),
            baseNote));
    }
}
