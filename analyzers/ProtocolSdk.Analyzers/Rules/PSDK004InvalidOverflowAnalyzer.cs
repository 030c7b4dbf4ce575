using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK004: <c>[MaxConnections(Overflow = typeof(T))]</c> where T is not a non-abstract, closed, accessible <c>Protocol</c>
/// with a parameterless constructor accessible from the protected class, or is that class itself (the MaxConnections spec's check).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK004InvalidOverflowAnalyzer : ProtocolTypeAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK004_InvalidOverflow);

    private protected override bool AppliesTo(ProtocolSdkSymbols symbols) => symbols.MaxConnections is not null;

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class) return;
        PolicyProblems.Report(context, type, PolicyProblems.OfAttributes(type, symbols), DiagnosticDescriptors.PSDK004_InvalidOverflow);
    }
}
