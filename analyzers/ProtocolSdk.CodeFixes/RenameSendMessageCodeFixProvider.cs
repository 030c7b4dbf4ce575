using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Rename;
using ProtocolSdk.Analyzers;

namespace ProtocolSdk.CodeFixes;

/// <summary>
/// PSDK018: renames the user's <c>SendMessage</c> (and every reference to it) to <c>SendRawMessage</c> (or
/// <c>SendRawMessage2</c>, ... when taken), so the framing's generated <c>SendMessage</c> can be added next to it.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RenameSendMessageCodeFixProvider)), Shared]
public sealed class RenameSendMessageCodeFixProvider : CodeFixProvider
{
    private const string EquivalenceKey = "PSDK018_RenameSendMessage";

    /// <summary>The name the fix gives the user's member.</summary>
    public const string NewName = "SendRawMessage";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK018_SendMessageWithFraming.Id);

    /// <inheritdoc />
    public override FixAllProvider? GetFixAllProvider() => null; // one member per class: each rename is its own solution-wide edit

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (model is null || root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            var node = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent;
            var symbol = node is null ? null : model.GetDeclaredSymbol(node, context.CancellationToken);
            if (symbol is null || symbol.Name != "SendMessage") continue;
            string newName = FreeName(symbol);
            var solution = context.Document.Project.Solution;
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Rename to '" + newName + "'",
                    ct => Renamer.RenameSymbolAsync(solution, symbol, new SymbolRenameOptions(), newName, ct),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static string FreeName(ISymbol symbol)
    {
        var type = symbol.ContainingType;
        string name = NewName;
        for (int i = 2; type is not null && type.GetMembers(name).Any(); i++) name = NewName + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return name;
    }
}
