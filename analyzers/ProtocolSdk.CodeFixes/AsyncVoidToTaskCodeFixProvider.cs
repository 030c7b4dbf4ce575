using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;
using ProtocolSdk.Analyzers;
using ProtocolSdk.Analyzers.Rules;

namespace ProtocolSdk.CodeFixes;

/// <summary>
/// PSDK006: turns <c>async void M(...)</c> into <c>async Task M(...)</c> when the analyzer marked the signature as
/// changeable (not an override, interface implementation, event handler or partial method); adds
/// <c>using System.Threading.Tasks;</c> when needed.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AsyncVoidToTaskCodeFixProvider)), Shared]
public sealed class AsyncVoidToTaskCodeFixProvider : CodeFixProvider
{
    private const string EquivalenceKey = "PSDK006_ReturnTask";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK006_AsyncVoid.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(FixDocumentAsync);

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.ContainsKey(PSDK006AsyncVoidAnalyzer.FixableKey)) continue;
            if (FindMethod(root, diagnostic) is null) continue;
            var document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Return Task instead of void",
                    ct => FixDocumentAsync(document, ImmutableArray.Create(diagnostic), ct),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Document?> FixDocumentAsync(FixAllContext context, Document document, ImmutableArray<Diagnostic> diagnostics) =>
        await FixDocumentAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false);

    private static async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null) return document;
        var methods = diagnostics
            .Where(d => d.Properties.ContainsKey(PSDK006AsyncVoidAnalyzer.FixableKey))
            .Select(d => FindMethod(root, d))
            .Where(m => m is not null)
            .Select(m => m!)
            .Distinct()
            .ToList();
        if (methods.Count == 0) return document;
        var newRoot = root.ReplaceNodes(methods, (_, rewritten) =>
        {
            var task = SyntaxFactory.ParseTypeName("System.Threading.Tasks.Task")
                .WithTriviaFrom(rewritten.ReturnType)
                .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
            return rewritten.WithReturnType(task);
        });
        document = document.WithSyntaxRoot(newRoot);
        // Add 'using System.Threading.Tasks;' when it is missing, then shorten the qualified name it allows.
        document = await ImportAdder.AddImportsAsync(document, Simplifier.AddImportsAnnotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await Simplifier.ReduceAsync(document, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static MethodDeclarationSyntax? FindMethod(SyntaxNode root, Diagnostic diagnostic)
    {
        var token = root.FindToken(diagnostic.Location.SourceSpan.Start);
        return token.Parent is MethodDeclarationSyntax method &&
               method.ReturnType is PredefinedTypeSyntax predefined &&
               predefined.Keyword.IsKind(SyntaxKind.VoidKeyword)
            ? method
            : null;
    }
}
