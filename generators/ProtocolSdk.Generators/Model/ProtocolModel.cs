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
    EquatableArray<UserPolicyModel> UserPolicies,
    LineFramingModel? LineFraming,
    LengthPrefixFramingModel? LengthPrefixFraming,
    PeerFilterModel? PeerFilter,
    MinDataRateModel? MinDataRate)
{
    public bool HasAnyPolicy =>
        Throttle is not null || Timeout is not null || MaxConnections is not null || LogTraffic is not null || !UserPolicies.IsEmpty ||
        HasFraming || PeerFilter is not null || MinDataRate is not null;

    /// <summary>One of the framing attributes is present (never both: that shape yields no model).</summary>
    public bool HasFraming => LineFraming is not null || LengthPrefixFraming is not null;
}

/// <summary>A type that contains the protocol class: <c>partial {Keyword} {Name}</c>.</summary>
internal sealed record ContainingTypeModel(string Keyword, string Name);

/// <summary><c>[Throttle]</c>; rates and burst in bytes (0 = unlimited / one second's worth); scope as its enum value; IPv6 peer prefix (0 = whole address).</summary>
internal sealed record ThrottleModel(long ReadBytesPerSecond, long WriteBytesPerSecond, int Scope, long BurstBytes, int IPv6PrefixLength);

/// <summary><c>[Timeout]</c> as an exact tick count.</summary>
internal sealed record TimeoutModel(long Ticks);

/// <summary><c>[MaxConnections]</c>; <paramref name="OverflowType"/> is a <c>global::</c>-qualified type name or null.</summary>
internal sealed record ConnectionLimitModel(int Total, int PerPeer, int IPv6PrefixLength, string? OverflowType);

/// <summary><c>[LogTraffic]</c>; level as its enum value.</summary>
internal sealed record TrafficLogModel(int LengthLimit, int Level);

/// <summary><c>[UsePolicy(typeof(T))]</c>: <paramref name="TypeName"/> is <c>global::</c>-qualified.</summary>
internal sealed record UserPolicyModel(string TypeName);

/// <summary><c>[LineFraming]</c>; <paramref name="Delimiter"/> holds characters 0..255 only (one byte each).</summary>
internal sealed record LineFramingModel(int MaxLength, string Delimiter);

/// <summary><c>[LengthPrefixFraming]</c>; <paramref name="PrefixBytes"/> is 1, 2 or 4 and <paramref name="MaxLength"/> fits the prefix.</summary>
internal sealed record LengthPrefixFramingModel(int PrefixBytes, int MaxLength, bool BigEndian);

/// <summary><c>[PeerFilter]</c>: the CIDR entries as written (each already checked).</summary>
internal sealed record PeerFilterModel(EquatableArray<string> Allow, EquatableArray<string> Deny);

/// <summary><c>[MinDataRate]</c>; both values positive and finite.</summary>
internal sealed record MinDataRateModel(double BytesPerSecond, double GraceSeconds);
