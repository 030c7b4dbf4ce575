using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;
using ProtocolSdk.Analyzers;

namespace ProtocolSdk.CodeFixes;

/// <summary>
/// PSDK019: says what the runtime does anyway: sets <c>Scope = ThrottleScope.PerPeer</c> on the ClusterWide throttle
/// (replacing an explicit <c>Scope = ThrottleScope.PerConnection</c>, or adding the argument after ClusterWide).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ShareThrottlePerPeerCodeFixProvider)), Shared]
public sealed class ShareThrottlePerPeerCodeFixProvider : CodeFixProvider
{
    private const string EquivalenceKey = "PSDK019_SharePerPeer";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK019_ClusterWidePerConnection.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            var attribute = root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<AttributeSyntax>();
            if (attribute?.ArgumentList is null) continue;
            context.RegisterCodeFix(
                CodeAction.Create("Share the budget per peer (Scope = ThrottleScope.PerPeer)", ct => SetScopeAsync(context.Document, attribute, ct), EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Document> SetScopeAsync(Document document, AttributeSyntax attribute, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || attribute.ArgumentList is not { } list) return document;
        var perPeer = SyntaxFactory.ParseExpression("global::ProtocolSdk.ThrottleScope.PerPeer").WithAdditionalAnnotations(Simplifier.Annotation);
        var scope = list.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == "Scope");
        AttributeArgumentListSyntax newList;
        if (scope is not null)
        {
            newList = list.ReplaceNode(scope, scope.WithExpression(perPeer.WithTriviaFrom(scope.Expression)));
        }
        else
        {
            var argument = SyntaxFactory.AttributeArgument(
                SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName("Scope"), SyntaxFactory.Token(SyntaxKind.EqualsToken).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space)),
                nameColon: null,
                perPeer);
            newList = list.AddArguments(argument);
        }
        var updated = document.WithSyntaxRoot(root.ReplaceNode(list, newList));
        return await Simplifier.ReduceAsync(updated, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
