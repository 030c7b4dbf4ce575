using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>PSDK014: <c>[LineFraming]</c> and <c>[LengthPrefixFraming]</c> on one class; reported on the later of the two.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK014TwoFramingsAnalyzer : ProtocolTypeAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK014_TwoFramings);

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class) return;
        var framings = symbols.GetFramingAttributes(type);
        if (framings.Count < 2) return;
        // AllowMultiple = false: two entries can only be one of each (a repeated one is already CS0579).
        if (SymbolEqualityComparer.Default.Equals(framings[0].AttributeClass, framings[1].AttributeClass)) return;
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.PSDK014_TwoFramings,
            ProtocolSdkSymbols.AttributeLocation(framings[1], type),
            type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)));
    }
}
