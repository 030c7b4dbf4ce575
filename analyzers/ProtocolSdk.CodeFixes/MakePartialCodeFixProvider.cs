using System.Collections.Generic;
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
using ProtocolSdk.Analyzers;

namespace ProtocolSdk.CodeFixes;

/// <summary>
/// PSDK001: adds <c>partial</c> to every declaration of the protocol class and of its containing types that lacks
/// it, in whatever documents they live (the diagnostic's additional locations). Fix All gathers those locations
/// from every diagnostic in scope and edits each declaration once.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFixProvider)), Shared]
public sealed class MakePartialCodeFixProvider : CodeFixProvider
{
    private const string EquivalenceKey = "PSDK001_MakePartial";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK001_NotPartial.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => MakePartialFixAllProvider.Instance;

    /// <inheritdoc />
    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (diagnostic.AdditionalLocations.Count == 0) continue;
            var solution = context.Document.Project.Solution;
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Make the protocol class partial",
                    ct => AddPartialAsync(solution, diagnostic.AdditionalLocations, ct),
                    EquivalenceKey),
                diagnostic);
        }
        return Task.CompletedTask;
    }

    internal static async Task<Solution> AddPartialAsync(Solution solution, IEnumerable<Location> locations, CancellationToken cancellationToken)
    {
        foreach (var group in locations.Where(l => l.IsInSource).GroupBy(l => l.SourceTree!))
        {
            var document = solution.GetDocument(group.Key);
            if (document is null) continue;
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null) continue;
            var declarations = new HashSet<TypeDeclarationSyntax>();
            foreach (var location in group)
            {
                if (root.FindToken(location.SourceSpan.Start).Parent is TypeDeclarationSyntax declaration &&
                    declaration.Identifier.Span == location.SourceSpan &&
                    !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    declarations.Add(declaration);
                }
            }
            if (declarations.Count == 0) continue;
            var newRoot = root.ReplaceNodes(declarations, (_, rewritten) => AddPartial(rewritten));
            solution = solution.WithDocumentSyntaxRoot(document.Id, newRoot);
        }
        return solution;
    }

    /// <summary>Inserts <c>partial</c> right before the type keyword, keeping the declaration's trivia.</summary>
    internal static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax declaration)
    {
        if (declaration.Modifiers.Any(SyntaxKind.PartialKeyword)) return declaration;
        var partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        if (declaration.Modifiers.Count == 0)
        {
            var keyword = declaration.Keyword;
            return declaration
                .WithKeyword(keyword.WithLeadingTrivia())
                .WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(keyword.LeadingTrivia)));
        }
        return declaration.WithModifiers(declaration.Modifiers.Add(partial));
    }

    private sealed class MakePartialFixAllProvider : FixAllProvider
    {
        public static readonly MakePartialFixAllProvider Instance = new();

        public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() =>
            new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

        public override Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext) =>
            Task.FromResult<CodeAction?>(CodeAction.Create(
                "Make all protocol classes partial",
                ct => FixAllAsync(fixAllContext, ct),
                EquivalenceKey));

        private static async Task<Solution> FixAllAsync(FixAllContext context, CancellationToken cancellationToken)
        {
            var diagnostics = new List<Diagnostic>();
            switch (context.Scope)
            {
                case FixAllScope.Project:
                    diagnostics.AddRange(await context.GetAllDiagnosticsAsync(context.Project).ConfigureAwait(false));
                    break;
                case FixAllScope.Solution:
                    foreach (var project in context.Solution.Projects)
                    {
                        diagnostics.AddRange(await context.GetAllDiagnosticsAsync(project).ConfigureAwait(false));
                    }
                    break;
                default:
                    if (context.Document is not null)
                    {
                        diagnostics.AddRange(await context.GetDocumentDiagnosticsAsync(context.Document).ConfigureAwait(false));
                    }
                    break;
            }
            var locations = diagnostics.SelectMany(d => d.AdditionalLocations);
            return await AddPartialAsync(context.Solution, locations, cancellationToken).ConfigureAwait(false);
        }
    }
}
