using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace ProtocolSdk.Roslyn.Policies;

/// <summary>
/// Every policy attribute the SDK knows, in one list: it drives the parser's dispatch, the generator's pipelines
/// (one per attribute), and the analyzers' set of policy attributes. Adding a policy adds its spec here.
/// </summary>
internal static class PolicyCatalog
{
    public static readonly ImmutableArray<PolicySpec> All = ImmutableArray.Create<PolicySpec>(
        new ThrottleSpec(),
        new TimeoutSpec(),
        new MaxConnectionsSpec(),
        new LogTrafficSpec(),
        new UsePolicySpec(),
        new LineFramingSpec(),
        new LengthPrefixFramingSpec(),
        new PeerFilterSpec(),
        new MinDataRateSpec());

    /// <summary>The spec of <paramref name="attributeClass"/> when it is one of the policy attributes (top-level in namespace ProtocolSdk), else null. Allocation-free.</summary>
    public static PolicySpec? Find(INamedTypeSymbol attributeClass)
    {
        if (attributeClass.ContainingType is not null ||
            attributeClass.ContainingNamespace is not { Name: "ProtocolSdk", ContainingNamespace.IsGlobalNamespace: true })
        {
            return null;
        }
        foreach (var spec in All)
        {
            if (spec.ClassName == attributeClass.MetadataName) return spec;
        }
        return null;
    }

    /// <summary>The spec of the attribute with this metadata name (e.g. <c>ProtocolSdk.TimeoutAttribute</c>), or null.</summary>
    public static PolicySpec? Find(string metadataName)
    {
        foreach (var spec in All)
        {
            if (spec.MetadataName == metadataName) return spec;
        }
        return null;
    }
}
