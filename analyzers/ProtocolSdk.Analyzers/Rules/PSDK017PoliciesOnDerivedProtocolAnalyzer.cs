using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK017: policies compose down an inheritance chain (the generated hooks call the base class's), except two framings in one chain or the same single-use attribute on a class and a base class, which would contradict each other. Reported on the derived class's attribute.
/// The check is <c>ProtocolRules</c>', shared with the generator's parser.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK017PoliciesOnDerivedProtocolAnalyzer : ProtocolTypeAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK017_PoliciesOnDerivedProtocol);

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class) return;
        PolicyProblems.Report(context, type, PolicyProblems.OfClass(type, symbols, context.CancellationToken), DiagnosticDescriptors.PSDK017_PoliciesOnDerivedProtocol);
    }
}
