using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using ProtocolSdk.Roslyn;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK012: an <c>Allow</c> or <c>Deny</c> entry of <c>[PeerFilter]</c> that <c>PeerFilterPolicy</c> would refuse at run time
/// (the rules are re-implemented in <see cref="CidrText"/>). One diagnostic per bad entry, on the entry.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK012InvalidCidrAnalyzer : ProtocolTypeAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK012_InvalidCidr);

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class || symbols.PeerFilter is null) return;
        foreach (var attribute in type.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, symbols.PeerFilter) || ProtocolSdkSymbols.HasErrors(attribute)) continue;
            foreach (var pair in attribute.NamedArguments)
            {
                if (pair.Key is not ("Allow" or "Deny")) continue;
                var list = pair.Value;
                if (list.Kind != TypedConstantKind.Array || list.IsNull) continue;
                var elements = ElementSyntax(attribute, pair.Key, context.CancellationToken);
                for (int i = 0; i < list.Values.Length; i++)
                {
                    var entry = list.Values[i];
                    if (entry.Kind == TypedConstantKind.Error) continue;
                    string? text = entry.Value as string;
                    if (CidrText.IsValid(text, out string problem)) continue;
                    var location = elements is not null && elements.Count == list.Values.Length
                        ? elements[i].GetLocation()
                        : ProtocolSdkSymbols.ArgumentLocation(attribute, type, pair.Key);
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.PSDK012_InvalidCidr,
                        location,
                        type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
                        text ?? "null",
                        pair.Key,
                        text is null ? "the entry is null" : problem));
                }
            }
        }
    }

    /// <summary>The element expressions of <c>Name = new[] { ... }</c>, <c>new string[] { ... }</c> or <c>[ ... ]</c>; null for any other form.</summary>
    private static List<SyntaxNode>? ElementSyntax(AttributeData attribute, string name, System.Threading.CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax { ArgumentList: { } arguments }) return null;
        foreach (var argument in arguments.Arguments)
        {
            if (argument.NameEquals?.Name.Identifier.ValueText != name) continue;
            InitializerExpressionSyntax? initializer = argument.Expression switch
            {
                ArrayCreationExpressionSyntax array => array.Initializer,
                ImplicitArrayCreationExpressionSyntax implicitArray => implicitArray.Initializer,
                _ => null,
            };
            if (initializer is not null) return new List<SyntaxNode>(initializer.Expressions);
            if (argument.Expression is CollectionExpressionSyntax collection)
            {
                var result = new List<SyntaxNode>();
                foreach (var element in collection.Elements)
                {
                    if (element is not ExpressionElementSyntax expression) return null; // a spread: positions unknown
                    result.Add(expression.Expression);
                }
                return result;
            }
            return null;
        }
        return null;
    }
}
