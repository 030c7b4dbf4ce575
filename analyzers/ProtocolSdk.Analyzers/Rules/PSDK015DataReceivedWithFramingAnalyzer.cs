using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK015: a class with a framing attribute that declares its own <c>DataReceived(ReadOnlySpan&lt;byte&gt;)</c> (an override or a hiding <c>new</c> method). Reported on each such declaration; the generator's own override is not the user's.
/// The check is <c>ProtocolRules</c>', shared with the generator's parser.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK015DataReceivedWithFramingAnalyzer : ProtocolTypeAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK015_DataReceivedWithFraming);

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class) return;
        PolicyProblems.Report(context, type, PolicyProblems.OfClass(type, symbols, context.CancellationToken), DiagnosticDescriptors.PSDK015_DataReceivedWithFraming);
    }
}
