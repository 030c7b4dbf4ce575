using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK013: a Protocol class with a framing attribute that neither overrides <c>MessageReceived</c> (itself or a base class below Protocol) nor calls <c>SendMessage</c> (a send-only protocol needs no MessageReceived). Reported on the (first) framing attribute.
/// The check is <c>ProtocolRules</c>', shared with the generator's parser.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK013MissingMessageReceivedAnalyzer : ProtocolTypeAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK013_MissingMessageReceived);

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class) return;
        PolicyProblems.Report(context, type, PolicyProblems.OfClass(type, symbols, context.CancellationToken), DiagnosticDescriptors.PSDK013_MissingMessageReceived);
    }
}
