using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK007: a type with a policy attribute whose shape the generator cannot extend: generic, nested in a generic
/// type, static, abstract, a record (class or struct) or a struct. The message lists every reason.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK007UnsupportedShapeAnalyzer : ProtocolTypeAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK007_UnsupportedShape);

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct)) return;
        var attributes = symbols.GetPolicyAttributes(type);
        if (attributes.Count == 0) return;

        var reasons = new List<string>();
        if (type.TypeKind == TypeKind.Struct) reasons.Add(type.IsRecord ? "a record struct" : "a struct");
        else if (type.IsRecord) reasons.Add("a record");
        if (type.TypeParameters.Length > 0) reasons.Add("generic");
        INamedTypeSymbol? generic = null;
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.TypeParameters.Length > 0)
            {
                generic = outer;
            }
        }
        if (generic is not null) reasons.Add("nested in generic type '" + generic.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat) + "'");
        if (type.IsStatic) reasons.Add("a static class");
        else if (type.IsAbstract && type.TypeKind == TypeKind.Class) reasons.Add("an abstract class");
        if (reasons.Count == 0) return;

        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.PSDK007_UnsupportedShape,
            type.Locations.FirstOrDefault(),
            type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
            ProtocolSdkSymbols.ShortName(attributes[0]),
            string.Join(" and ", reasons)));
    }
}
