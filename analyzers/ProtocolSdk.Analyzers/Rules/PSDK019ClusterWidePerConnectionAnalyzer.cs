using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK019: <c>[Throttle(ClusterWide = true)]</c> with <c>Scope = PerConnection</c> (the default). A connection lives on
/// one server, so there is nothing for the fleet to share; the runtime shares the budget per peer, and the rule asks the
/// declaration to say so (the code fix sets <c>Scope = ThrottleScope.PerPeer</c>). Reported on the ClusterWide argument.
/// Reads the attribute through the throttle's spec, shared with the generator; invalid values are PSDK003's.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK019ClusterWidePerConnectionAnalyzer : ProtocolTypeAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK019_ClusterWidePerConnection);

    private protected override bool AppliesTo(ProtocolSdkSymbols symbols) => symbols.Throttle is not null;

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class) return;
        var throttle = PolicyProblems.Model<ThrottleModel>(type, symbols, out var attribute);
        if (throttle is null || attribute is null || throttle.ClusterName is null || throttle.Scope != PolicyDefaults.ThrottleScope) return;
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.PSDK019_ClusterWidePerConnection,
            ProtocolSdkSymbols.ArgumentLocation(attribute, type, "ClusterWide"),
            type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)));
    }
}
