using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK008: <c>this.Transport</c> read in a constructor or a field/property initializer of a Protocol subclass, where
/// it always throws. Uses inside lambdas and local functions are not reported: they usually run later.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK008TransportTooEarlyAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK008_TransportTooEarly);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var symbols = ProtocolSdkSymbols.TryCreate(start.Compilation);
            if (symbols?.Transport is null) return;
            start.RegisterOperationAction(c => Analyze(c, symbols), OperationKind.PropertyReference);
        });
    }

    private static void Analyze(OperationAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var reference = (IPropertyReferenceOperation)context.Operation;
        if (!SymbolEqualityComparer.Default.Equals(reference.Property.OriginalDefinition, symbols.Transport)) return;
        if (reference.Instance is not IInstanceReferenceOperation) return;

        string where;
        switch (context.ContainingSymbol)
        {
            case IMethodSymbol { MethodKind: MethodKind.Constructor }:
                where = "the constructor";
                break;
            case IFieldSymbol field:
                where = "the initializer of field '" + field.Name + "'";
                break;
            case IPropertySymbol property:
                where = "the initializer of property '" + property.Name + "'";
                break;
            default:
                return;
        }
        for (var p = reference.Parent; p is not null; p = p.Parent)
        {
            if (p is IAnonymousFunctionOperation or ILocalFunctionOperation) return;
        }
        var type = context.ContainingSymbol.ContainingType;
        if (!symbols.DerivesFromProtocol(type)) return;
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.PSDK008_TransportTooEarly,
            reference.Syntax.GetLocation(),
            where,
            type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)));
    }
}
