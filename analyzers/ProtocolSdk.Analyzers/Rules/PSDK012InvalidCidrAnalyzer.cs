using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK012: an <c>Allow</c> or <c>Deny</c> entry of <c>[PeerFilter]</c> that <c>PeerFilterPolicy</c> would refuse at run time
/// (the PeerFilter spec's check, with the rules of <c>CidrText</c>). One diagnostic per bad entry, on the entry.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK012InvalidCidrAnalyzer : ProtocolTypeAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK012_InvalidCidr);

    private protected override bool AppliesTo(ProtocolSdkSymbols symbols) => symbols.PeerFilter is not null;

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class) return;
        PolicyProblems.Report(context, type, PolicyProblems.OfAttributes(type, symbols), DiagnosticDescriptors.PSDK012_InvalidCidr);
    }
}
