using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK017: a protocol with policy attributes derives from another protocol with policy attributes. The generated
/// hooks of the derived class override the base class's generated hooks without chaining to them, so the base
/// class's policies would stop applying. Reported on the derived class's first policy attribute.
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
        var attributes = symbols.GetPolicyAttributes(type);
        if (attributes.Count == 0) return;
        for (var baseType = type.BaseType; baseType is not null && baseType.SpecialType != SpecialType.System_Object; baseType = baseType.BaseType)
        {
            if (symbols.GetPolicyAttributes(baseType).Count == 0) continue;
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.PSDK017_PoliciesOnDerivedProtocol,
                ProtocolSdkSymbols.AttributeLocation(attributes[0], type),
                type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
                baseType.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)));
            return;
        }
    }
}
