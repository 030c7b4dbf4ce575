using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK015: a Protocol class with a framing attribute that declares its own <c>DataReceived(ReadOnlySpan&lt;byte&gt;)</c>
/// (an override or a hiding <c>new</c> method). Reported on each such declaration; the generator's own override
/// (marked <c>[GeneratedCode("ProtocolSdk.Generators", ...)]</c>) is not the user's.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK015DataReceivedWithFramingAnalyzer : ProtocolTypeAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK015_DataReceivedWithFraming);

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class || !symbols.DerivesFromProtocol(type)) return;
        var framings = symbols.GetFramingAttributes(type);
        if (framings.Count == 0) return;
        foreach (var method in type.GetMembers("DataReceived").OfType<IMethodSymbol>())
        {
            if (method.IsStatic || method.IsImplicitlyDeclared || !ProtocolSdkSymbols.TakesByteSpan(method) || IsGenerated(method)) continue;
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.PSDK015_DataReceivedWithFraming,
                method.Locations.FirstOrDefault() ?? Location.None,
                type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
                ProtocolSdkSymbols.ShortName(framings[0])));
        }
    }

    private static bool IsGenerated(IMethodSymbol method) =>
        method.GetAttributes().Any(a =>
            a.AttributeClass is { Name: "GeneratedCodeAttribute" } &&
            a.ConstructorArguments.Length > 0 &&
            a.ConstructorArguments[0].Value is "ProtocolSdk.Generators");
}
