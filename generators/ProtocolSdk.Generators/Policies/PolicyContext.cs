using Microsoft.CodeAnalysis;

namespace ProtocolSdk.Roslyn.Policies;

/// <summary>What a spec may look at besides the attribute: the class carrying it, <c>ProtocolSdk.Protocol</c> and the compilation.</summary>
internal sealed class PolicyContext
{
    public PolicyContext(Compilation compilation, INamedTypeSymbol type, INamedTypeSymbol protocol)
    {
        Compilation = compilation;
        Type = type;
        Protocol = protocol;
    }

    public Compilation Compilation { get; }

    /// <summary>The class carrying the attribute.</summary>
    public INamedTypeSymbol Type { get; }

    /// <summary><c>ProtocolSdk.Protocol</c>.</summary>
    public INamedTypeSymbol Protocol { get; }

    public bool DerivesFromProtocol(ITypeSymbol? type)
    {
        for (var t = type?.BaseType; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, Protocol)) return true;
        }
        return false;
    }
}
