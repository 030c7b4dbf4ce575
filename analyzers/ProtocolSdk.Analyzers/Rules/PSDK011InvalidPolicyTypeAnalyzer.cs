using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK011: <c>[UsePolicy(typeof(T))]</c> where T is not a closed, accessible, non-ref struct implementing
/// <c>ProtocolSdk.Policies.IConnectionPolicy</c> with an accessible parameterless constructor (the UsePolicy spec's check).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK011InvalidPolicyTypeAnalyzer : ProtocolTypeAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK011_InvalidPolicyType);

    private protected override bool AppliesTo(ProtocolSdkSymbols symbols) => symbols.UsePolicy is not null;

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class) return;
        PolicyProblems.Report(context, type, PolicyProblems.OfAttributes(type, symbols), DiagnosticDescriptors.PSDK011_InvalidPolicyType);
    }
}
