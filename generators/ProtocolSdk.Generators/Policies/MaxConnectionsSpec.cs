using System.Linq;
using Microsoft.CodeAnalysis;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Roslyn.Policies;

/// <summary>
/// <c>[MaxConnections]</c>: Total and PerPeer not negative (0 = no limit of that kind) and at least one positive; PerPeer
/// not above a positive Total; prefix 0..128; an Overflow type that can serve connections (PSDK004).
/// </summary>
internal sealed class MaxConnectionsSpec : PolicySpec
{
    public const string OverflowRule = "PSDK004";

    public MaxConnectionsSpec() : base("MaxConnections", "PSDK003") { }

    protected override PolicyModel? Check(AttributeData attribute, PolicyContext context, Problems problems)
    {
        bool countsOk = CheckNotNegative(attribute, problems, "Total", "no total limit");
        countsOk &= CheckNotNegative(attribute, problems, "PerPeer", "no per-peer limit");
        bool ok = countsOk;
        int prefix = CheckPrefix(attribute, problems);
        long total = Integer(attribute, "Total", 0);
        long perPeer = Integer(attribute, "PerPeer", 0);
        if (total > 0 && perPeer > total)
        {
            problems.Error("PerPeer", "PerPeer = " + Text(perPeer) + " is larger than Total = " + Text(total) + ", so it can never apply");
            ok = false;
        }
        if (countsOk && total == 0 && perPeer == 0)
        {
            problems.Error(null, "neither Total nor PerPeer is positive, so nothing is limited; set at least one of them");
            ok = false;
        }
        string? overflow = null;
        if (TryGetNamed(attribute, "Overflow", out var overflowConstant) && !overflowConstant.IsNull)
        {
            if (overflowConstant.Value is ITypeSymbol { TypeKind: TypeKind.Error })
            {
                return null; // the compiler reports the unknown type
            }
            if (overflowConstant.Value is ITypeSymbol overflowType && CheckOverflow(overflowType, context) is { } problem)
            {
                problems.ErrorFor(OverflowRule, "Overflow", TypeName(overflowType), problem);
                ok = false;
            }
            else if (overflowConstant.Value is INamedTypeSymbol named)
            {
                overflow = named.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            }
        }
        if (!ok || prefix < 0) return null;
        return new MaxConnectionsModel((int)total, (int)perPeer, prefix, overflow, ClusterName(attribute, context));
    }

    /// <summary>Why <paramref name="overflow"/> cannot serve connections over the limit, or null when it can.</summary>
    private static string? CheckOverflow(ITypeSymbol overflow, PolicyContext context)
    {
        var protocol = context.Type;
        if (SymbolEqualityComparer.Default.Equals(overflow.OriginalDefinition, protocol.OriginalDefinition))
            return "the overflow protocol is the limited protocol itself, so connections over the limit would be served anyway";
        if (overflow is INamedTypeSymbol { IsUnboundGenericType: true } unbound && context.DerivesFromProtocol(unbound.OriginalDefinition))
            return "an open generic type cannot be instantiated";
        if (!context.DerivesFromProtocol(overflow)) return "the type does not derive from ProtocolSdk.Protocol";
        if (overflow is not INamedTypeSymbol { TypeKind: TypeKind.Class } named) return "the type is not a class";
        if (named.IsAbstract) return "the type is abstract";
        if (named.TypeArguments.Any(t => t.TypeKind is TypeKind.TypeParameter or TypeKind.Error)) return "an open generic type cannot be instantiated";
        if (!context.Compilation.IsSymbolAccessibleWithin(named, protocol)) return "the type is not accessible from '" + protocol.Name + "'";
        var constructor = named.InstanceConstructors.FirstOrDefault(c => c.Parameters.Length == 0);
        if (constructor is null) return "the type has no parameterless constructor";
        if (!context.Compilation.IsSymbolAccessibleWithin(constructor, protocol))
            return "its parameterless constructor is not accessible from '" + protocol.Name + "'";
        return null;
    }
}
