using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK013: a Protocol class with <c>[LineFraming]</c> or <c>[LengthPrefixFraming]</c> where neither it nor a base class
/// below Protocol overrides <c>MessageReceived</c>. Reported on the (first) framing attribute.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK013MissingMessageReceivedAnalyzer : ProtocolTypeAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK013_MissingMessageReceived);

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class || !symbols.DerivesFromProtocol(type)) return;
        var framings = symbols.GetFramingAttributes(type);
        if (framings.Count == 0) return;

        for (var t = type; t is not null && !SymbolEqualityComparer.Default.Equals(t, symbols.Protocol); t = t.BaseType)
        {
            if (t.GetMembers("MessageReceived").OfType<IMethodSymbol>().Any(symbols.OverridesProtocolMember)) return;
        }
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.PSDK013_MissingMessageReceived,
            ProtocolSdkSymbols.AttributeLocation(framings[0], type),
            type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
            ProtocolSdkSymbols.ShortName(framings[0])));
    }
}
