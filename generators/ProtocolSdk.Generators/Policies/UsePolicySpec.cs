using System.Linq;
using Microsoft.CodeAnalysis;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Roslyn.Policies;

/// <summary>
/// <c>[UsePolicy(typeof(T))]</c> (PSDK011): T is a closed, accessible, non-ref struct implementing
/// <c>ProtocolSdk.Policies.IConnectionPolicy</c> whose parameterless constructor is accessible. Several compose, in order.
/// </summary>
internal sealed class UsePolicySpec : PolicySpec
{
    public const string ConnectionPolicyInterface = "ProtocolSdk.Policies.IConnectionPolicy";

    public UsePolicySpec() : base("UsePolicy", "PSDK011") { }

    public override bool AllowMultiple => true;

    protected override PolicyModel? Check(AttributeData attribute, PolicyContext context, Problems problems)
    {
        if (attribute.ConstructorArguments.Length != 1) return null;
        var argument = attribute.ConstructorArguments[0];
        if (argument.Value is not ITypeSymbol policy)
        {
            problems.ErrorFor(RuleId, "policyType", "null", "the policy type is null", position: 0);
            return null;
        }
        if (policy.TypeKind == TypeKind.Error) return null; // the compiler reports the unknown type
        if (Check(policy, context) is { } problem)
        {
            problems.ErrorFor(RuleId, "policyType", TypeName(policy), problem, position: 0);
            return null;
        }
        return new UsePolicyModel(policy.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat));
    }

    private static string? Check(ITypeSymbol policy, PolicyContext context)
    {
        var contract = context.Compilation.GetTypeByMetadataName(ConnectionPolicyInterface);
        var definition = policy is INamedTypeSymbol { IsUnboundGenericType: true } unbound ? unbound.OriginalDefinition : policy;
        bool implements = contract is not null &&
            (SymbolEqualityComparer.Default.Equals(definition, contract) || definition.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i, contract)));
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
            if (named.TypeArguments.Any(t => t.TypeKind is TypeKind.TypeParameter or TypeKind.Error)) return "an open generic type cannot be instantiated";
            var explicitConstructor = named.InstanceConstructors.FirstOrDefault(c => c.Parameters.Length == 0 && !c.IsImplicitlyDeclared);
            if (explicitConstructor is not null && !context.Compilation.IsSymbolAccessibleWithin(explicitConstructor, context.Type))
                return "its parameterless constructor is not accessible from '" + context.Type.Name + "'";
        }
        if (!context.Compilation.IsSymbolAccessibleWithin(policy, context.Type))
            return "the struct is not accessible from '" + context.Type.Name + "'";
        return null;
    }
}
