using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// Base of the rules that look at one named type at a time: resolves the SDK's symbols once per compilation
/// (and does nothing when the compilation does not reference ProtocolSdk), runs concurrently, skips generated code.
/// Each rule stays in its own class; only this wiring is shared.
/// </summary>
public abstract class ProtocolTypeAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public sealed override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var symbols = ProtocolSdkSymbols.TryCreate(start.Compilation);
            if (symbols is null || !AppliesTo(symbols)) return;
            start.RegisterSymbolAction(c => Analyze(c, symbols), SymbolKind.NamedType);
        });
    }

    /// <summary>False when the compilation lacks what the rule looks for (e.g. an attribute type), so it registers nothing.</summary>
    private protected virtual bool AppliesTo(ProtocolSdkSymbols symbols) => true;

    /// <summary>Analyzes one named type (<see cref="SymbolAnalysisContext.Symbol"/>).</summary>
    private protected abstract void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols);
}
