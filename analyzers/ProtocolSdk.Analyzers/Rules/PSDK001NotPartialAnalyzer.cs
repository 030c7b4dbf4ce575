using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK001: a class with a policy attribute must be partial in every declaration, and so must its containing types.
/// The diagnostic sits on the class name; its additional locations are the type declarations that lack
/// <c>partial</c>, which the code fix edits.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK001NotPartialAnalyzer : ProtocolTypeAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK001_NotPartial);

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class) return;
        var attributes = symbols.GetPolicyAttributes(type);
        if (attributes.Count == 0) return;

        var missing = new List<TypeDeclarationSyntax>();
        var names = new List<string>();
        for (var t = type; t is not null; t = t.ContainingType)
        {
            bool lacks = false;
            foreach (var reference in t.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(context.CancellationToken) is TypeDeclarationSyntax declaration &&
                    !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    missing.Add(declaration);
                    lacks = true;
                }
            }
            if (lacks) names.Add(t.Name);
        }
        if (missing.Count == 0) return;

        var primary = type.DeclaringSyntaxReferences
            .Select(r => r.GetSyntax(context.CancellationToken))
            .OfType<TypeDeclarationSyntax>()
            .FirstOrDefault(d => missing.Contains(d))
            ?? type.DeclaringSyntaxReferences.Select(r => r.GetSyntax(context.CancellationToken)).OfType<TypeDeclarationSyntax>().FirstOrDefault();
        var location = primary?.Identifier.GetLocation() ?? type.Locations.FirstOrDefault() ?? Location.None;

        string who = names.Count == 1 && names[0] == type.Name
            ? "it is"
            : names.Count == 1
                ? "containing type '" + names[0] + "' is"
                : string.Join(", ", names.Select(n => "'" + n + "'")) + " are";
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.PSDK001_NotPartial,
            location,
            missing.Select(d => d.Identifier.GetLocation()),
            type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
            ProtocolSdkSymbols.ShortName(attributes[0]),
            who));
    }
}
