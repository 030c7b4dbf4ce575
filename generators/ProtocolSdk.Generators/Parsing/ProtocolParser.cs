using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Generators.Parsing;

/// <summary>
/// Reads a protocol class's policy attributes into a <see cref="ProtocolModel"/>. Returns null (and so the
/// generator emits nothing) for every shape the analyzers report: the generator never reports diagnostics itself.
/// </summary>
internal static class ProtocolParser
{
    public const string ThrottleAttribute = "ProtocolSdk.ThrottleAttribute";
    public const string TimeoutAttribute = "ProtocolSdk.TimeoutAttribute";
    public const string MaxConnectionsAttribute = "ProtocolSdk.MaxConnectionsAttribute";
    public const string LogTrafficAttribute = "ProtocolSdk.LogTrafficAttribute";
    public const string UsePolicyAttribute = "ProtocolSdk.UsePolicyAttribute";
    public const string LineFramingAttribute = "ProtocolSdk.LineFramingAttribute";
    public const string LengthPrefixFramingAttribute = "ProtocolSdk.LengthPrefixFramingAttribute";
    public const string PeerFilterAttribute = "ProtocolSdk.PeerFilterAttribute";
    public const string MinDataRateAttribute = "ProtocolSdk.MinDataRateAttribute";
    private const string ProtocolType = "ProtocolSdk.Protocol";
    private const string ConnectionPolicyInterface = "ProtocolSdk.Policies.IConnectionPolicy";

    /// <summary>The longest period <c>Protocol.SetTimeout</c> accepts.</summary>
    private const long MaxTimeoutTicks = 365L * 24 * 3600 * TimeSpan.TicksPerSecond;

    /// <summary>Syntax filter for ForAttributeWithMetadataName: class declarations only (not records or structs).</summary>
    public static bool IsCandidate(SyntaxNode node, CancellationToken _) => node is ClassDeclarationSyntax;

    /// <summary>Transform for ForAttributeWithMetadataName: never throws.</summary>
    public static ProtocolModel? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        try
        {
            if (context.TargetSymbol is not INamedTypeSymbol type) return null;
            return Parse(type, context.SemanticModel.Compilation, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
#pragma warning disable CA1031 // a generator must never crash the compiler on broken code: give up silently
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    public static ProtocolModel? Parse(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken)
    {
        var protocol = compilation.GetTypeByMetadataName(ProtocolType);
        if (protocol is null || !IsSupportedShape(type, protocol, cancellationToken)) return null;

        ThrottleModel? throttle = null;
        TimeoutModel? timeout = null;
        ConnectionLimitModel? limit = null;
        TrafficLogModel? log = null;
        LineFramingModel? lines = null;
        LengthPrefixFramingModel? frames = null;
        PeerFilterModel? filter = null;
        MinDataRateModel? rate = null;
        var policies = new List<UserPolicyModel>();
        bool seenThrottle = false, seenTimeout = false, seenLimit = false, seenLog = false, seenFraming = false, seenFilter = false, seenRate = false;

        foreach (var attribute in type.GetAttributes())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var attributeClass = attribute.AttributeClass;
            if (attributeClass is null) continue;
            string name = attributeClass.ToDisplayString();
            switch (name)
            {
                case ThrottleAttribute:
                    if (seenThrottle) return null;
                    seenThrottle = true;
                    throttle = ParseThrottle(attribute);
                    if (throttle is null) return null;
                    break;
                case TimeoutAttribute:
                    if (seenTimeout) return null;
                    seenTimeout = true;
                    timeout = ParseTimeout(attribute);
                    if (timeout is null) return null;
                    break;
                case MaxConnectionsAttribute:
                    if (seenLimit) return null;
                    seenLimit = true;
                    limit = ParseMaxConnections(attribute, type, protocol, compilation);
                    if (limit is null) return null;
                    break;
                case LogTrafficAttribute:
                    if (seenLog) return null;
                    seenLog = true;
                    log = ParseLogTraffic(attribute);
                    if (log is null) return null;
                    break;
                case LineFramingAttribute:
                    if (seenFraming) return null; // both framings (PSDK014), or a duplicate
                    seenFraming = true;
                    lines = ParseLineFraming(attribute);
                    if (lines is null) return null;
                    break;
                case LengthPrefixFramingAttribute:
                    if (seenFraming) return null;
                    seenFraming = true;
                    frames = ParseLengthPrefixFraming(attribute);
                    if (frames is null) return null;
                    break;
                case PeerFilterAttribute:
                    if (seenFilter) return null;
                    seenFilter = true;
                    filter = ParsePeerFilter(attribute);
                    if (filter is null) return null;
                    break;
                case MinDataRateAttribute:
                    if (seenRate) return null;
                    seenRate = true;
                    rate = ParseMinDataRate(attribute);
                    if (rate is null) return null;
                    break;
                case UsePolicyAttribute:
                    var policy = ParseUsePolicy(attribute, compilation);
                    if (policy is null) return null;
                    policies.Add(policy);
                    break;
            }
        }

        // Framing generates DataReceived and feeds MessageReceived: a class that declares DataReceived itself (PSDK015) or
        // does not override MessageReceived (PSDK013) gets nothing.
        if (seenFraming && (DeclaresDataReceived(type) || !OverridesMessageReceived(type, protocol))) return null;

        var containing = new List<ContainingTypeModel>();
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            var keyword = TypeKeyword(outer);
            if (keyword is null) return null;
            containing.Insert(0, new ContainingTypeModel(keyword, Escape(outer.Name)));
        }

        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n
            ? string.Join(".", n.ToDisplayString().Split('.').Select(Escape))
            : null;
        string category = Category(type);

        var model = new ProtocolModel(
            HintName: category + ".Policies.g.cs",
            Namespace: ns,
            ContainingTypes: new EquatableArray<ContainingTypeModel>(containing.ToArray()),
            TypeName: Escape(type.Name),
            Category: category,
            Throttle: throttle,
            Timeout: timeout,
            MaxConnections: limit,
            LogTraffic: log,
            UserPolicies: new EquatableArray<UserPolicyModel>(policies.ToArray()),
            LineFraming: lines,
            LengthPrefixFraming: frames,
            PeerFilter: filter,
            MinDataRate: rate);
        return model.HasAnyPolicy ? model : null;
    }

    private static string Category(INamedTypeSymbol type)
    {
        // Metadata names (no '@' escapes), dotted: App.Outer.Inner.
        var parts = new List<string>();
        for (ISymbol? s = type; s is not null and not INamespaceSymbol { IsGlobalNamespace: true }; s = s.ContainingSymbol) parts.Insert(0, s.Name);
        return string.Join(".", parts);
    }

    /// <summary>A non-generic, non-static, non-abstract, non-record class deriving from Protocol, partial everywhere (itself and its containers).</summary>
    private static bool IsSupportedShape(INamedTypeSymbol type, INamedTypeSymbol protocol, CancellationToken cancellationToken)
    {
        if (type.TypeKind != TypeKind.Class || type.IsRecord || type.IsStatic || type.IsAbstract || type.IsGenericType) return false;
        if (SymbolEqualityComparer.Default.Equals(type, protocol)) return false;
        if (!DerivesFrom(type, protocol)) return false;
        if (!IsPartialEverywhere(type, cancellationToken)) return false;
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.IsGenericType || !IsPartialEverywhere(outer, cancellationToken)) return false;
        }
        return true;
    }

    private static bool DerivesFrom(INamedTypeSymbol type, INamedTypeSymbol baseType)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t, baseType)) return true;
        }
        return false;
    }

    private static bool IsPartialEverywhere(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        if (type.DeclaringSyntaxReferences.IsEmpty) return false;
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration) return false;
            if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword)) return false;
        }
        return true;
    }

    private static string? TypeKeyword(INamedTypeSymbol type) => type.TypeKind switch
    {
        TypeKind.Class => type.IsRecord ? "record" : "class",
        TypeKind.Struct => type.IsRecord ? "record struct" : "struct",
        TypeKind.Interface => "interface",
        _ => null,
    };

    private static ThrottleModel? ParseThrottle(AttributeData attribute)
    {
        if (HasErrors(attribute)) return null;
        long read = 0, write = 0, burst = 0, prefix = 0;
        int scope = 0;
        bool readSet = false, writeSet = false;
        foreach (var pair in attribute.NamedArguments)
        {
            switch (pair.Key)
            {
                case "ReadBytesPerSecond": // 0 = no read limit
                    if (!TryInt64(pair.Value, out read) || read < 0) return null;
                    readSet = read > 0;
                    break;
                case "WriteBytesPerSecond": // 0 = no write limit
                    if (!TryInt64(pair.Value, out write) || write < 0) return null;
                    writeSet = write > 0;
                    break;
                case "BurstBytes": // 0 = one second's worth
                    if (!TryInt64(pair.Value, out burst) || burst < 0) return null;
                    break;
                case "IPv6PrefixLength":
                    if (!TryInt64(pair.Value, out prefix) || prefix is < 0 or > 128) return null;
                    break;
                case "Scope":
                    if (!TryInt64(pair.Value, out long s) || s is < 0 or > 2) return null;
                    scope = (int)s;
                    break;
                default:
                    return null;
            }
        }
        return readSet || writeSet ? new ThrottleModel(read, write, scope, burst, (int)prefix) : null;
    }

    private static TimeoutModel? ParseTimeout(AttributeData attribute)
    {
        if (HasErrors(attribute) || attribute.ConstructorArguments.Length != 1 || !attribute.NamedArguments.IsEmpty) return null;
        if (attribute.ConstructorArguments[0].Value is not double seconds) return null;
        if (double.IsNaN(seconds) || double.IsInfinity(seconds) || seconds <= 0) return null;
        double ticks = Math.Round(seconds * TimeSpan.TicksPerSecond);
        if (ticks < 1 || ticks > MaxTimeoutTicks) return null;
        return new TimeoutModel((long)ticks);
    }

    private static ConnectionLimitModel? ParseMaxConnections(AttributeData attribute, INamedTypeSymbol type, INamedTypeSymbol protocol, Compilation compilation)
    {
        if (HasErrors(attribute)) return null;
        int total = 0, perPeer = 0, prefix = 0;
        bool totalSet = false, perPeerSet = false;
        string? overflow = null;
        foreach (var pair in attribute.NamedArguments)
        {
            switch (pair.Key)
            {
                case "Total":
                    if (!TryInt32(pair.Value, out total) || total <= 0) return null;
                    totalSet = true;
                    break;
                case "PerPeer":
                    if (!TryInt32(pair.Value, out perPeer) || perPeer <= 0) return null;
                    perPeerSet = true;
                    break;
                case "IPv6PrefixLength":
                    if (!TryInt32(pair.Value, out prefix) || prefix is < 0 or > 128) return null;
                    break;
                case "Overflow":
                    if (pair.Value.IsNull) break;
                    if (pair.Value.Value is not INamedTypeSymbol overflowType || !IsValidOverflow(overflowType, type, protocol, compilation)) return null;
                    overflow = overflowType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                    break;
                default:
                    return null;
            }
        }
        if (!totalSet && !perPeerSet) return null;
        if (totalSet && perPeerSet && perPeer > total) return null;
        return new ConnectionLimitModel(total, perPeer, prefix, overflow);
    }

    private static bool IsValidOverflow(INamedTypeSymbol overflow, INamedTypeSymbol type, INamedTypeSymbol protocol, Compilation compilation)
    {
        if (overflow.TypeKind != TypeKind.Class || overflow.IsAbstract || overflow.IsStatic || overflow.IsUnboundGenericType) return false;
        if (overflow.TypeArguments.Any(t => t.TypeKind == TypeKind.TypeParameter || t.TypeKind == TypeKind.Error)) return false;
        if (SymbolEqualityComparer.Default.Equals(overflow.OriginalDefinition, type.OriginalDefinition)) return false;
        if (!DerivesFrom(overflow, protocol)) return false;
        if (!compilation.IsSymbolAccessibleWithin(overflow, type)) return false;
        return overflow.InstanceConstructors.Any(c => c.Parameters.IsEmpty && compilation.IsSymbolAccessibleWithin(c, type));
    }

    private static TrafficLogModel? ParseLogTraffic(AttributeData attribute)
    {
        if (HasErrors(attribute)) return null;
        int length = 64, level = 2;
        foreach (var pair in attribute.NamedArguments)
        {
            switch (pair.Key)
            {
                case "LengthLimit":
                    if (!TryInt32(pair.Value, out length) || length <= 0) return null;
                    break;
                case "Level":
                    if (!TryInt32(pair.Value, out level) || level is < 0 or > 6) return null;
                    break;
                default:
                    return null;
            }
        }
        return new TrafficLogModel(length, level);
    }

    private static UserPolicyModel? ParseUsePolicy(AttributeData attribute, Compilation compilation)
    {
        if (HasErrors(attribute) || attribute.ConstructorArguments.Length != 1) return null;
        if (attribute.ConstructorArguments[0].Value is not INamedTypeSymbol policy) return null;
        if (policy.TypeKind != TypeKind.Struct || policy.IsUnboundGenericType || policy.IsRefLikeType) return null;
        if (policy.TypeArguments.Any(t => t.TypeKind == TypeKind.TypeParameter || t.TypeKind == TypeKind.Error)) return null;
        var contract = compilation.GetTypeByMetadataName(ConnectionPolicyInterface);
        if (contract is null || !policy.AllInterfaces.Contains(contract, SymbolEqualityComparer.Default)) return null;
        return new UserPolicyModel(policy.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat));
    }

    /// <summary>The class (any of its declarations) declares a <c>DataReceived(ReadOnlySpan&lt;byte&gt;)</c> of its own.</summary>
    private static bool DeclaresDataReceived(INamedTypeSymbol type) =>
        type.GetMembers("DataReceived").OfType<IMethodSymbol>().Any(m =>
            m.Parameters.Length == 1 &&
            m.Parameters[0].Type is INamedTypeSymbol { Name: "ReadOnlySpan", TypeArguments.Length: 1 } span &&
            span.ContainingNamespace.ToDisplayString() == "System" &&
            span.TypeArguments[0].SpecialType == SpecialType.System_Byte);

    /// <summary>The class or a base class between it and Protocol overrides <c>Protocol.MessageReceived</c>.</summary>
    private static bool OverridesMessageReceived(INamedTypeSymbol type, INamedTypeSymbol protocol)
    {
        for (var t = type; t is not null && !SymbolEqualityComparer.Default.Equals(t, protocol); t = t.BaseType)
        {
            foreach (var method in t.GetMembers("MessageReceived").OfType<IMethodSymbol>())
            {
                for (var overridden = method.OverriddenMethod; overridden is not null; overridden = overridden.OverriddenMethod)
                {
                    if (SymbolEqualityComparer.Default.Equals(overridden.ContainingType, protocol)) return true;
                }
            }
        }
        return false;
    }

    private static LineFramingModel? ParseLineFraming(AttributeData attribute)
    {
        if (HasErrors(attribute)) return null;
        int maxLength = 16384;
        string delimiter = "\r\n";
        foreach (var pair in attribute.NamedArguments)
        {
            switch (pair.Key)
            {
                case "MaxLength":
                    if (!TryInt32(pair.Value, out maxLength) || maxLength <= 0) return null;
                    break;
                case "Delimiter":
                    if (pair.Value.Value is not string text || text.Length == 0 || text.Any(c => c > '\u00FF')) return null;
                    delimiter = text;
                    break;
                default:
                    return null;
            }
        }
        return new LineFramingModel(maxLength, delimiter);
    }

    private static LengthPrefixFramingModel? ParseLengthPrefixFraming(AttributeData attribute)
    {
        if (HasErrors(attribute)) return null;
        int prefixBytes = 4, maxLength = 1024 * 1024;
        bool bigEndian = true;
        foreach (var pair in attribute.NamedArguments)
        {
            switch (pair.Key)
            {
                case "PrefixBytes":
                    if (!TryInt32(pair.Value, out prefixBytes) || prefixBytes is not (1 or 2 or 4)) return null;
                    break;
                case "MaxLength":
                    if (!TryInt32(pair.Value, out maxLength) || maxLength <= 0) return null;
                    break;
                case "BigEndian":
                    if (pair.Value.Value is not bool b) return null;
                    bigEndian = b;
                    break;
                default:
                    return null;
            }
        }
        // A MaxLength the prefix cannot express is a mistake the analyzer reports (PSDK016).
        if (prefixBytes < 4 && maxLength > (1 << (8 * prefixBytes)) - 1) return null;
        return new LengthPrefixFramingModel(prefixBytes, maxLength, bigEndian);
    }

    private static PeerFilterModel? ParsePeerFilter(AttributeData attribute)
    {
        if (HasErrors(attribute)) return null;
        EquatableArray<string> allow = EquatableArray<string>.Empty, deny = EquatableArray<string>.Empty;
        foreach (var pair in attribute.NamedArguments)
        {
            var entries = ParseCidrList(pair.Value);
            if (entries is null) return null;
            switch (pair.Key)
            {
                case "Allow":
                    allow = entries.Value;
                    break;
                case "Deny":
                    deny = entries.Value;
                    break;
                default:
                    return null;
            }
        }
        return new PeerFilterModel(allow, deny);
    }

    /// <summary>A <c>string[]</c> argument whose entries are all valid CIDR text (null = empty); null when any is not.</summary>
    private static EquatableArray<string>? ParseCidrList(TypedConstant constant)
    {
        if (constant.Kind != TypedConstantKind.Array) return null;
        if (constant.IsNull) return EquatableArray<string>.Empty;
        var entries = new string[constant.Values.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            if (constant.Values[i].Value is not string text || !ProtocolSdk.Roslyn.CidrText.IsValid(text, out _)) return null;
            entries[i] = text;
        }
        return new EquatableArray<string>(entries);
    }

    private static MinDataRateModel? ParseMinDataRate(AttributeData attribute)
    {
        if (HasErrors(attribute)) return null;
        double rate = 0, grace = 5;
        foreach (var pair in attribute.NamedArguments)
        {
            switch (pair.Key)
            {
                case "BytesPerSecond":
                    if (!TryPositiveFinite(pair.Value, out rate)) return null;
                    break;
                case "GraceSeconds":
                    if (!TryPositiveFinite(pair.Value, out grace)) return null;
                    break;
                default:
                    return null;
            }
        }
        if (!(rate > 0)) return null; // BytesPerSecond not set
        return new MinDataRateModel(rate, grace);
    }

    private static bool TryPositiveFinite(TypedConstant constant, out double value)
    {
        value = 0;
        if (constant.Kind != TypedConstantKind.Primitive || constant.Value is null) return false;
        try
        {
            value = Convert.ToDouble(constant.Value, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            return false;
        }
        return value > 0 && !double.IsInfinity(value); // false for NaN too
    }

    private static bool HasErrors(AttributeData attribute) =>
        attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error) ||
        attribute.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error);

    private static bool TryInt64(TypedConstant constant, out long value)
    {
        value = 0;
        if (constant.Kind is not (TypedConstantKind.Primitive or TypedConstantKind.Enum) || constant.Value is null) return false;
        try
        {
            value = Convert.ToInt64(constant.Value, CultureInfo.InvariantCulture);
            return true;
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            return false;
        }
    }

    private static bool TryInt32(TypedConstant constant, out int value)
    {
        value = 0;
        if (!TryInt64(constant, out long wide) || wide is < int.MinValue or > int.MaxValue) return false;
        value = (int)wide;
        return true;
    }

    private static string Escape(string identifier) =>
        SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier
            : identifier;
}
