using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ProtocolSdk.Roslyn.Policies;

namespace ProtocolSdk.Analyzers;

/// <summary>The ProtocolSdk types of one compilation, resolved once per compilation by metadata name.</summary>
internal sealed class ProtocolSdkSymbols
{
    private ProtocolSdkSymbols(Compilation compilation, INamedTypeSymbol protocol)
    {
        Compilation = compilation;
        Protocol = protocol;
        Throttle = compilation.GetTypeByMetadataName("ProtocolSdk.ThrottleAttribute");
        Timeout = compilation.GetTypeByMetadataName("ProtocolSdk.TimeoutAttribute");
        MaxConnections = compilation.GetTypeByMetadataName("ProtocolSdk.MaxConnectionsAttribute");
        LogTraffic = compilation.GetTypeByMetadataName("ProtocolSdk.LogTrafficAttribute");
        UsePolicy = compilation.GetTypeByMetadataName("ProtocolSdk.UsePolicyAttribute");
        LineFraming = compilation.GetTypeByMetadataName("ProtocolSdk.LineFramingAttribute");
        LengthPrefixFraming = compilation.GetTypeByMetadataName("ProtocolSdk.LengthPrefixFramingAttribute");
        PeerFilter = compilation.GetTypeByMetadataName("ProtocolSdk.PeerFilterAttribute");
        MinDataRate = compilation.GetTypeByMetadataName("ProtocolSdk.MinDataRateAttribute");
        ConnectionPolicy = compilation.GetTypeByMetadataName("ProtocolSdk.Policies.IConnectionPolicy");
        Transport = protocol.GetMembers("Transport").OfType<IPropertySymbol>().FirstOrDefault();
        // The policy catalog (shared with the generator) says which attributes are policies.
        var builder = ImmutableArray.CreateBuilder<INamedTypeSymbol>();
        foreach (var spec in PolicyCatalog.All)
        {
            if (compilation.GetTypeByMetadataName(spec.MetadataName) is { } attribute) builder.Add(attribute);
        }
        PolicyAttributes = builder.ToImmutable();
    }

    public Compilation Compilation { get; }
    public INamedTypeSymbol Protocol { get; }
    public INamedTypeSymbol? Throttle { get; }
    public INamedTypeSymbol? Timeout { get; }
    public INamedTypeSymbol? MaxConnections { get; }
    public INamedTypeSymbol? LogTraffic { get; }
    public INamedTypeSymbol? UsePolicy { get; }
    public INamedTypeSymbol? LineFraming { get; }
    public INamedTypeSymbol? LengthPrefixFraming { get; }
    public INamedTypeSymbol? PeerFilter { get; }
    public INamedTypeSymbol? MinDataRate { get; }
    public INamedTypeSymbol? ConnectionPolicy { get; }
    public IPropertySymbol? Transport { get; }
    public ImmutableArray<INamedTypeSymbol> PolicyAttributes { get; }

    /// <summary>Null when the compilation does not reference ProtocolSdk: the analyzers then do nothing.</summary>
    public static ProtocolSdkSymbols? TryCreate(Compilation compilation)
    {
        var protocol = compilation.GetTypeByMetadataName("ProtocolSdk.Protocol");
        return protocol is null ? null : new ProtocolSdkSymbols(compilation, protocol);
    }

    public bool IsPolicyAttribute(INamedTypeSymbol? attributeClass)
    {
        if (attributeClass is null) return false;
        foreach (var t in PolicyAttributes)
        {
            if (SymbolEqualityComparer.Default.Equals(t, attributeClass)) return true;
        }
        return false;
    }

    /// <summary>The policy attributes applied to <paramref name="type"/>, in source order.</summary>
    public List<AttributeData> GetPolicyAttributes(INamedTypeSymbol type)
    {
        var result = new List<AttributeData>();
        foreach (var a in type.GetAttributes())
        {
            if (IsPolicyAttribute(a.AttributeClass)) result.Add(a);
        }
        return result;
    }

    public bool DerivesFromProtocol(ITypeSymbol? type)
    {
        for (var t = type?.BaseType; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, Protocol)) return true;
        }
        return false;
    }

    /// <summary>The display name of an attribute for messages: "Throttle", "Timeout", ...</summary>
    public static string ShortName(AttributeData attribute)
    {
        var name = attribute.AttributeClass?.Name ?? "?";
        return name.EndsWith("Attribute", System.StringComparison.Ordinal) ? name.Substring(0, name.Length - "Attribute".Length) : name;
    }

    public static Location AttributeLocation(AttributeData attribute, INamedTypeSymbol fallback)
    {
        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax();
        if (syntax is not null) return syntax.GetLocation();
        return fallback.Locations.FirstOrDefault() ?? Location.None;
    }

    /// <summary>Location of a named argument (<c>Name = value</c>) or a positional argument, else of the attribute.</summary>
    public static Location ArgumentLocation(AttributeData attribute, INamedTypeSymbol fallback, string? name, int position = -1)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is AttributeSyntax syntax)
        {
            if (syntax.ArgumentList is { } list)
            {
                int positional = 0;
                foreach (var arg in list.Arguments)
                {
                    if (arg.NameEquals is not null)
                    {
                        if (name is not null && arg.NameEquals.Name.Identifier.ValueText == name) return arg.Expression.GetLocation();
                        continue;
                    }
                    if (arg.NameColon is not null && name is not null &&
                        string.Equals(arg.NameColon.Name.Identifier.ValueText, name, System.StringComparison.OrdinalIgnoreCase))
                    {
                        return arg.Expression.GetLocation();
                    }
                    if (positional == position) return arg.Expression.GetLocation();
                    positional++;
                }
            }
            return syntax.GetLocation();
        }
        return fallback.Locations.FirstOrDefault() ?? Location.None;
    }
}
