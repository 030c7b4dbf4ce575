using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK011: <c>[UsePolicy(typeof(T))]</c> where T is not a closed, non-ref struct implementing
/// <c>ProtocolSdk.Policies.IConnectionPolicy</c> with an accessible parameterless constructor.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK011InvalidPolicyTypeAnalyzer : ProtocolTypeAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK011_InvalidPolicyType);

    private protected override bool AppliesTo(ProtocolSdkSymbols symbols) => symbols.UsePolicy is not null && symbols.ConnectionPolicy is not null;

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class) return;
        foreach (var attribute in type.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, symbols.UsePolicy) || ProtocolSdkSymbols.HasErrors(attribute)) continue;
            if (attribute.ConstructorArguments.Length != 1) continue;
            var arg = attribute.ConstructorArguments[0];
            var location = ProtocolSdkSymbols.ArgumentLocation(attribute, type, "policyType", 0);
            string typeName = type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
            if (arg.Kind != TypedConstantKind.Type || arg.Value is not ITypeSymbol policy)
            {
                if (arg.Value is null && arg.Kind != TypedConstantKind.Error)
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.PSDK011_InvalidPolicyType, location, "null", typeName, "the policy type is null"));
                }
                continue;
            }
            if (policy.TypeKind == TypeKind.Error) continue;
            string? problem = Check(policy, type, symbols);
            if (problem is null) continue;
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.PSDK011_InvalidPolicyType,
                location,
                policy.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
                typeName,
                problem));
        }
    }

    private static string? Check(ITypeSymbol policy, INamedTypeSymbol protocol, ProtocolSdkSymbols symbols)
    {
        var definition = policy is INamedTypeSymbol { IsUnboundGenericType: true } unbound ? unbound.OriginalDefinition : policy;
        bool implements = SymbolEqualityComparer.Default.Equals(definition, symbols.ConnectionPolicy)
            || definition.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i, symbols.ConnectionPolicy));
        if (implements && policy is INamedTypeSymbol { IsUnboundGenericType: true }) return "an open generic type cannot be instantiated";
        if (policy.TypeKind != TypeKind.Struct)
        {
            string kind = policy.TypeKind switch
            {
                TypeKind.Class => "a class",
                TypeKind.Interface => "an interface",
                TypeKind.Enum => "an enum",
                TypeKind.Delegate => "a delegate",
                _ => "not a struct",
            };
            return implements
                ? "it is " + kind + "; the generated code needs a struct (declare it as 'struct' to avoid a heap object and virtual calls per event)"
                : "it is " + kind + " and does not implement ProtocolSdk.Policies.IConnectionPolicy; it must be a struct implementing it";
        }
        if (!implements) return "the struct does not implement ProtocolSdk.Policies.IConnectionPolicy";
        if (policy.IsRefLikeType) return "a ref struct cannot be stored in the protocol's field";
        if (policy is INamedTypeSymbol named)
        {
            var explicitCtor = named.InstanceConstructors.FirstOrDefault(c => c.Parameters.Length == 0 && !c.IsImplicitlyDeclared);
            if (explicitCtor is not null && !symbols.Compilation.IsSymbolAccessibleWithin(explicitCtor, protocol))
                return "its parameterless constructor is not accessible from '" + protocol.Name + "'";
        }
        if (!symbols.Compilation.IsSymbolAccessibleWithin(policy, protocol))
            return "the struct is not accessible from '" + protocol.Name + "'";
        return null;
    }
}
