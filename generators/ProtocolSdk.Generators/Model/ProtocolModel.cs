namespace ProtocolSdk.Generators.Model;

/// <summary>
/// Everything the emitter needs to write one protocol's policy file. Plain strings and numbers only: no symbols,
/// syntax nodes, locations or compilations, so equal inputs give equal models and the pipeline caches them.
/// </summary>
/// <param name="HintName">Generated file name, e.g. <c>App.Outer.Chat.Policies.g.cs</c>.</param>
/// <param name="Namespace">The namespace as written in C# (keywords escaped), or null for the global namespace.</param>
/// <param name="ContainingTypes">Outermost first, for nested protocol classes.</param>
/// <param name="TypeName">The class's name as written in C#.</param>
/// <param name="Category">The logger category: the type's dotted full name, e.g. <c>App.Outer.Chat</c>.</param>
/// <param name="ChainsToBase">The base class is not <c>Protocol</c> itself: every generated hook calls the base class's hook,
/// so policies declared on base classes keep applying.</param>
/// <param name="Policies">One model per policy attribute, in source order.</param>
internal sealed record ProtocolModel(
    string HintName,
    string? Namespace,
    EquatableArray<ContainingTypeModel> ContainingTypes,
    string TypeName,
    string Category,
    bool ChainsToBase,
    EquatableArray<PolicyModel> Policies);

/// <summary>A type that contains the protocol class: <c>partial {Keyword} {Name}</c>.</summary>
internal sealed record ContainingTypeModel(string Keyword, string Name);
