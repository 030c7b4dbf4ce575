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
internal sealed record ProtocolModel(
    string HintName,
    string? Namespace,
    EquatableArray<ContainingTypeModel> ContainingTypes,
    string TypeName,
    string Category,
    ThrottleModel? Throttle,
    TimeoutModel? Timeout,
    ConnectionLimitModel? MaxConnections,
    TrafficLogModel? LogTraffic,
    EquatableArray<UserPolicyModel> UserPolicies)
{
    public bool HasAnyPolicy =>
        Throttle is not null || Timeout is not null || MaxConnections is not null || LogTraffic is not null || !UserPolicies.IsEmpty;
}

/// <summary>A type that contains the protocol class: <c>partial {Keyword} {Name}</c>.</summary>
internal sealed record ContainingTypeModel(string Keyword, string Name);

/// <summary><c>[Throttle]</c>; rates and burst in bytes (0 = unlimited / one second's worth); scope as its enum value.</summary>
internal sealed record ThrottleModel(long ReadBytesPerSecond, long WriteBytesPerSecond, int Scope, long BurstBytes);

/// <summary><c>[Timeout]</c> as an exact tick count.</summary>
internal sealed record TimeoutModel(long Ticks);

/// <summary><c>[MaxConnections]</c>; <paramref name="OverflowType"/> is a <c>global::</c>-qualified type name or null.</summary>
internal sealed record ConnectionLimitModel(int Total, int PerPeer, int IPv6PrefixLength, string? OverflowType);

/// <summary><c>[LogTraffic]</c>; level as its enum value.</summary>
internal sealed record TrafficLogModel(int LengthLimit, int Level);

/// <summary><c>[UsePolicy(typeof(T))]</c>: <paramref name="TypeName"/> is <c>global::</c>-qualified.</summary>
internal sealed record UserPolicyModel(string TypeName);
