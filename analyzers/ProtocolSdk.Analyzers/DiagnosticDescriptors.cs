using Microsoft.CodeAnalysis;

namespace ProtocolSdk.Analyzers;

/// <summary>Every diagnostic ProtocolSdk's analyzers report. IDs are part of the public contract: never renumber.</summary>
public static class DiagnosticDescriptors
{
    /// <summary>Category of diagnostics about policy attributes and protocol shape.</summary>
    public const string UsageCategory = "ProtocolSdk.Usage";

    /// <summary>Category of diagnostics about code that hurts the connection's event loop.</summary>
    public const string ReliabilityCategory = "ProtocolSdk.Reliability";

    private const string HelpBase = HelpLinks.Base + "docs/diagnostics/"; // HelpLinks: generated from Directory.Build.props

    private static DiagnosticDescriptor Create(string id, string title, string message, string category, DiagnosticSeverity severity, string description) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, description: description, helpLinkUri: HelpBase + id + ".md");

    /// <summary>PSDK001: a class with a policy attribute (or one of its containing types) is not partial.</summary>
    public static readonly DiagnosticDescriptor PSDK001_NotPartial = Create(
        "PSDK001",
        "Protocol with policy attributes must be partial",
        "'{0}' has [{1}] but {2} not declared partial; the generator can only add policy code to a partial class",
        UsageCategory, DiagnosticSeverity.Error,
        "The source generator adds the policy code to the protocol class, so every declaration of the class and of its containing types must be 'partial'.");

    /// <summary>PSDK002: a class with a policy attribute does not derive from Protocol.</summary>
    public static readonly DiagnosticDescriptor PSDK002_NotProtocol = Create(
        "PSDK002",
        "Policy attribute on a class that is not a Protocol",
        "'{0}' has [{1}] but does not derive from ProtocolSdk.Protocol{2}",
        UsageCategory, DiagnosticSeverity.Error,
        "Policy attributes only work on classes deriving from ProtocolSdk.Protocol: the generated code overrides its policy hooks.");

    /// <summary>PSDK003: an invalid policy attribute value.</summary>
    public static readonly DiagnosticDescriptor PSDK003_InvalidValue = Create(
        "PSDK003",
        "Invalid policy attribute value",
        "[{0}] on '{1}': {2}",
        UsageCategory, DiagnosticSeverity.Error,
        "Policy attribute values are checked at compile time; the runtime would throw when the first connection arrives.");

    /// <summary>PSDK004: an invalid MaxConnections.Overflow type.</summary>
    public static readonly DiagnosticDescriptor PSDK004_InvalidOverflow = Create(
        "PSDK004",
        "Invalid overflow protocol",
        "[MaxConnections(Overflow = typeof({0}))] on '{1}': {2}",
        UsageCategory, DiagnosticSeverity.Error,
        "The overflow protocol serves connections over a limit; it must be a non-abstract ProtocolSdk.Protocol with an accessible parameterless constructor, other than the limited protocol itself.");

    /// <summary>PSDK005: a blocking call in a protocol callback.</summary>
    public static readonly DiagnosticDescriptor PSDK005_BlockingCall = Create(
        "PSDK005",
        "Blocking call in a protocol callback",
        "'{0}' blocks the connection's callbacks in '{1}'{2}; use non-blocking APIs or move the work off the callback",
        ReliabilityCategory, DiagnosticSeverity.Warning,
        "Protocol callbacks run serialised on the I/O path: a blocking call stalls this connection's reads, timers and policies, and can starve the thread pool.");

    /// <summary>PSDK006: async void in a protocol class.</summary>
    public static readonly DiagnosticDescriptor PSDK006_AsyncVoid = Create(
        "PSDK006",
        "Avoid async void in a protocol",
        "'{0}' is async void: its exceptions bypass the connection's error handling and crash the process; return Task",
        ReliabilityCategory, DiagnosticSeverity.Warning,
        "An exception escaping an async void method is rethrown on the thread pool and terminates the process instead of closing the one connection.");

    /// <summary>PSDK007: protocol shape not supported by the generator.</summary>
    public static readonly DiagnosticDescriptor PSDK007_UnsupportedShape = Create(
        "PSDK007",
        "Protocol shape not supported by the policy generator",
        "'{0}' has [{1}] but is {2}; the policy generator supports only non-generic, non-static, non-abstract classes that are not records and not nested in a generic type",
        UsageCategory, DiagnosticSeverity.Error,
        "The generator emits a partial class with static policy state; generic types, types nested in generic types, static and abstract classes, records and structs cannot receive it.");

    /// <summary>PSDK008: Transport used before the connection exists.</summary>
    public static readonly DiagnosticDescriptor PSDK008_TransportTooEarly = Create(
        "PSDK008",
        "Transport used before the connection is made",
        "'Transport' is used in {0} of '{1}'; it is only available from ConnectionMade until ConnectionLost returns and throws InvalidOperationException here",
        ReliabilityCategory, DiagnosticSeverity.Warning,
        "Protocol.Transport is set when the connection is made; constructors and field or property initializers run before that.");

    /// <summary>PSDK009: throttle settings that let buffered data grow without a useful bound.</summary>
    public static readonly DiagnosticDescriptor PSDK009_UnboundedBuffering = Create(
        "PSDK009",
        "Throttle setting lets buffered output grow without a useful bound",
        "[Throttle] on '{0}': {1}",
        ReliabilityCategory, DiagnosticSeverity.Warning,
        "Writes are never dropped: what a write throttle does not let out stays buffered in memory. A write limit below 64 B/s needs more than 17 minutes to drain one 64 KiB high-water mark; a burst above 64 MiB lets 1024 high-water marks through at once, so the throttle bounds neither memory nor bandwidth.");

    /// <summary>PSDK010: the timeout is shorter than the throttle's burst refill.</summary>
    public static readonly DiagnosticDescriptor PSDK010_TimeoutShorterThanThrottle = Create(
        "PSDK010",
        "Timeout shorter than the read throttle's refill time",
        "[Timeout({0})] on '{1}' is shorter than the {2} s the [Throttle] read limit of {3} B/s needs to admit its burst of {4} bytes; a connection paused by its own throttle can time out",
        UsageCategory, DiagnosticSeverity.Info,
        "While a read throttle pauses reading, no data arrives and the idle timeout keeps running.");

    /// <summary>PSDK011: UsePolicy type is not a policy struct.</summary>
    public static readonly DiagnosticDescriptor PSDK011_InvalidPolicyType = Create(
        "PSDK011",
        "UsePolicy type must be a struct implementing IConnectionPolicy",
        "[UsePolicy(typeof({0}))] on '{1}': {2}",
        UsageCategory, DiagnosticSeverity.Error,
        "The generated code stores the policy in a field and calls it without boxing, so the type must be a non-generic-definition struct (not a ref struct) implementing ProtocolSdk.Policies.IConnectionPolicy with an accessible parameterless constructor.");

    /// <summary>PSDK012: a [PeerFilter] entry is not valid CIDR text.</summary>
    public static readonly DiagnosticDescriptor PSDK012_InvalidCidr = Create(
        "PSDK012",
        "PeerFilter entry is not valid CIDR text",
        "[PeerFilter] on '{0}': '{1}' in the {2} list is not valid CIDR text: {3}",
        UsageCategory, DiagnosticSeverity.Error,
        "Each Allow and Deny entry must be an IPv4 network with a prefix of 0..32 or an IPv6 network with 0..128 whose host bits are zero (e.g. 10.0.0.0/8, fe80::/10), or a bare address; the runtime would throw when the protocol type is first used.");

    /// <summary>PSDK013: a framing attribute on a class that does not override MessageReceived.</summary>
    public static readonly DiagnosticDescriptor PSDK013_MissingMessageReceived = Create(
        "PSDK013",
        "Framing attribute without a MessageReceived override",
        "'{0}' has [{1}] but neither overrides MessageReceived nor calls SendMessage; every framed message would be dropped",
        UsageCategory, DiagnosticSeverity.Error,
        "With a framing attribute the generated DataReceived splits the stream into messages and delivers each to MessageReceived; without an override they go nowhere. A send-only protocol (one that calls SendMessage) needs no MessageReceived.");

    /// <summary>PSDK014: both framing attributes on one class.</summary>
    public static readonly DiagnosticDescriptor PSDK014_TwoFramings = Create(
        "PSDK014",
        "Only one framing attribute per protocol",
        "'{0}' has both [LineFraming] and [LengthPrefixFraming]; a byte stream can be split only one way, keep one",
        UsageCategory, DiagnosticSeverity.Error,
        "Each framing attribute generates the class's DataReceived and SendMessage; a class can have only one of them.");

    /// <summary>PSDK015: a framing attribute on a class that declares DataReceived.</summary>
    public static readonly DiagnosticDescriptor PSDK015_DataReceivedWithFraming = Create(
        "PSDK015",
        "Framing attribute on a class that declares DataReceived",
        "'{0}' has [{1}] and declares DataReceived; the framing generates DataReceived, so move this code to MessageReceived",
        UsageCategory, DiagnosticSeverity.Error,
        "With a framing attribute the generated code overrides DataReceived to feed the framer; the class must not declare its own.");

    /// <summary>PSDK016: an invalid [LineFraming], [LengthPrefixFraming] or [MinDataRate] value.</summary>
    public static readonly DiagnosticDescriptor PSDK016_InvalidFramingOrRate = Create(
        "PSDK016",
        "Invalid framing or minimum data rate value",
        "[{0}] on '{1}': {2}",
        UsageCategory, DiagnosticSeverity.Error,
        "Framing and minimum-data-rate values are checked at compile time; the runtime would throw when the first connection is made.");

    /// <summary>PSDK017: policy attributes on a protocol and its base class that cannot compose.</summary>
    public static readonly DiagnosticDescriptor PSDK017_PoliciesOnDerivedProtocol = Create(
        "PSDK017",
        "Policy attributes on a protocol and its base class that cannot compose",
        "'{0}' has [{1}] and {2}",
        UsageCategory, DiagnosticSeverity.Error,
        "Policies compose down an inheritance chain: the generated hooks of a derived class call its base class's, so both classes' policies apply. Two framings in one chain (one byte stream, one DataReceived) or the same single-use attribute on both classes (two timeouts, two throttles, two limits of one kind) would contradict each other, so the derived class gets no policy code until one is removed.");

    /// <summary>PSDK018: a user-declared SendMessage next to a framing attribute.</summary>
    public static readonly DiagnosticDescriptor PSDK018_SendMessageWithFraming = Create(
        "PSDK018",
        "Framing attribute on a class that declares SendMessage",
        "'{0}' declares SendMessage and has [{1}], which generates SendMessage(ReadOnlySpan<byte>); rename the declared member",
        UsageCategory, DiagnosticSeverity.Error,
        "With a framing attribute the generated code adds SendMessage(ReadOnlySpan<byte>), which writes one framed message; a member of the same name in the class would clash with it or hide it.");

    /// <summary>PSDK019: ClusterWide on a throttle whose scope a fleet cannot share.</summary>
    public static readonly DiagnosticDescriptor PSDK019_ClusterWidePerConnection = Create(
        "PSDK019",
        "ClusterWide on a per-connection throttle",
        "[Throttle(ClusterWide = true)] on '{0}' has Scope = PerConnection, which a fleet cannot share (a connection lives on one server), so the budget is shared per peer; set Scope = ThrottleScope.PerPeer (or AllConnections) to say which budget the servers share",
        UsageCategory, DiagnosticSeverity.Warning,
        "A ClusterWide budget is shared by every server using the same cluster store. A per-connection budget has nothing to share: the runtime shares it per peer instead, which the declaration should say.");
}
