using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK004: <c>[MaxConnections(Overflow = typeof(T))]</c> where T is not a non-abstract, closed <c>Protocol</c> with a
/// parameterless constructor accessible from the protected class, or is that class itself.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK004InvalidOverflowAnalyzer : ProtocolTypeAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK004_InvalidOverflow);

    private protected override bool AppliesTo(ProtocolSdkSymbols symbols) => symbols.MaxConnections is not null;

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class) return;
        var attribute = symbols.Find(type, symbols.MaxConnections);
        if (attribute is null || !ProtocolSdkSymbols.TryGetNamed(attribute, "Overflow", out var value)) return;
        if (value.Kind != TypedConstantKind.Type || value.Value is not ITypeSymbol overflow || overflow.TypeKind == TypeKind.Error) return;

        string? problem = Check(overflow, type, symbols);
        if (problem is null) return;
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.PSDK004_InvalidOverflow,
            ProtocolSdkSymbols.ArgumentLocation(attribute, type, "Overflow"),
            overflow.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
            type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
            problem));
    }

    private static string? Check(ITypeSymbol overflow, INamedTypeSymbol protocol, ProtocolSdkSymbols symbols)
    {
        if (SymbolEqualityComparer.Default.Equals(overflow.OriginalDefinition, protocol.OriginalDefinition))
            return "the overflow protocol is the limited protocol itself, so connections over the limit would be served anyway";
        if (overflow is INamedTypeSymbol { IsUnboundGenericType: true } unbound && symbols.DerivesFromProtocol(unbound.OriginalDefinition))
            return "an open generic type cannot be instantiated";
        if (!symbols.DerivesFromProtocol(overflow)) return "the type does not derive from ProtocolSdk.Protocol";
        if (overflow is not INamedTypeSymbol named) return "the type is not a class";
        if (named.IsAbstract) return "the type is abstract";
        var constructor = named.InstanceConstructors.FirstOrDefault(c => c.Parameters.Length == 0);
        if (constructor is null) return "the type has no parameterless constructor";
        if (!symbols.Compilation.IsSymbolAccessibleWithin(constructor, protocol))
            return "its parameterless constructor is not accessible from '" + protocol.Name + "'";
        return null;
    }
}
