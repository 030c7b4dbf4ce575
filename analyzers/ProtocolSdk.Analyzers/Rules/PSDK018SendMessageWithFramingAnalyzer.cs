using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK018: a class with a framing attribute that declares a member named <c>SendMessage</c>, which the framing generates (a bare CS0111 or CS0108 otherwise). Reported on each such member; the code fix renames it.
/// The check is <c>ProtocolRules</c>', shared with the generator's parser.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK018SendMessageWithFramingAnalyzer : ProtocolTypeAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK018_SendMessageWithFraming);

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class) return;
        PolicyProblems.Report(context, type, PolicyProblems.OfClass(type, symbols, context.CancellationToken), DiagnosticDescriptors.PSDK018_SendMessageWithFraming);
    }
}
