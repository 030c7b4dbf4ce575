namespace ProtocolSdk.Generators.Tests;

/// <summary>
/// Shapes and values the analyzers report (PSDK001..PSDK007): the generator emits nothing, reports nothing and does not throw.
/// Broken code never makes it throw either.
/// </summary>
public class NegativeTests
{
    private const string Policy = """
        public struct GoodPolicy : IConnectionPolicy
        {
            public ConnectionAdmission OnAdmit(Transport transport) => ConnectionAdmission.Accept;
            public void OnConnectionMade(Protocol protocol, Transport transport) { }
            public void OnDataReceived(Protocol protocol, ReadOnlySpan<byte> data) { }
            public void OnDataWritten(Protocol protocol, ReadOnlySpan<byte> data) { }
            public void OnConnectionLost(Protocol protocol, DisconnectReason reason) { }
        }
        public sealed class ClassPolicy : IConnectionPolicy
        {
            public ConnectionAdmission OnAdmit(Transport transport) => ConnectionAdmission.Accept;
            public void OnConnectionMade(Protocol protocol, Transport transport) { }
            public void OnDataReceived(Protocol protocol, ReadOnlySpan<byte> data) { }
            public void OnDataWritten(Protocol protocol, ReadOnlySpan<byte> data) { }
            public void OnConnectionLost(Protocol protocol, DisconnectReason reason) { }
        }
        public struct NotAPolicy { }
        public sealed class Busy : Protocol { }
        public abstract class AbstractBusy : Protocol { }
        public sealed class NotAProtocol { }
        public sealed class NeedsArgs : Protocol { public NeedsArgs(int x) { _ = x; } }
        public sealed class PrivateCtor : Protocol { private PrivateCtor() { } }
        """;

    public static TheoryData<string, string> UnsupportedShapes => new()
    {
        { "not partial", "[Timeout(1)] public sealed class P : Protocol { }" },
        { "containing type not partial", "public class Outer { [Timeout(1)] public sealed partial class P : Protocol { } }" },
        { "one declaration not partial", "[Timeout(1)] public sealed partial class P : Protocol { } public sealed class P { }" },
        { "not a Protocol", "[Timeout(1)] public sealed partial class P { }" },
        { "generic", "[Timeout(1)] public sealed partial class P<T> : Protocol { }" },
        { "nested in generic", "public partial class Outer<T> { [Timeout(1)] public sealed partial class P : Protocol { } }" },
        { "static", "[Timeout(1)] public static partial class P { }" },
        { "abstract", "[Timeout(1)] public abstract partial class P : Protocol { }" },
        { "record", "[Timeout(1)] public sealed partial record P : Protocol { }" },
        { "struct", "[Timeout(1)] public partial struct P { }" },
        { "throttle nothing set", "[Throttle] public sealed partial class P : Protocol { }" },
        { "throttle only scope", "[Throttle(Scope = ThrottleScope.PerPeer)] public sealed partial class P : Protocol { }" },
        { "throttle both rates zero", "[Throttle(ReadBytesPerSecond = 0, WriteBytesPerSecond = 0)] public sealed partial class P : Protocol { }" },
        { "throttle prefix out of range", "[Throttle(ReadBytesPerSecond = 10, Scope = ThrottleScope.PerPeer, IPv6PrefixLength = 129)] public sealed partial class P : Protocol { }" },
        { "throttle write negative", "[Throttle(WriteBytesPerSecond = -1)] public sealed partial class P : Protocol { }" },
        { "throttle burst negative", "[Throttle(ReadBytesPerSecond = 10, BurstBytes = -1)] public sealed partial class P : Protocol { }" },
        { "throttle undefined scope", "[Throttle(ReadBytesPerSecond = 10, Scope = (ThrottleScope)7)] public sealed partial class P : Protocol { }" },
        { "timeout zero", "[Timeout(0)] public sealed partial class P : Protocol { }" },
        { "timeout negative", "[Timeout(-5)] public sealed partial class P : Protocol { }" },
        { "timeout NaN", "[Timeout(double.NaN)] public sealed partial class P : Protocol { }" },
        { "timeout infinite", "[Timeout(double.PositiveInfinity)] public sealed partial class P : Protocol { }" },
        { "timeout over a year", "[Timeout(400 * 24 * 3600)] public sealed partial class P : Protocol { }" },
        { "max nothing set", "[MaxConnections] public sealed partial class P : Protocol { }" },
        { "max total zero", "[MaxConnections(Total = 0)] public sealed partial class P : Protocol { }" },
        { "max per peer negative", "[MaxConnections(PerPeer = -1)] public sealed partial class P : Protocol { }" },
        { "max per peer over total", "[MaxConnections(Total = 2, PerPeer = 3)] public sealed partial class P : Protocol { }" },
        { "max prefix out of range", "[MaxConnections(Total = 2, IPv6PrefixLength = 129)] public sealed partial class P : Protocol { }" },
        { "overflow abstract", "[MaxConnections(Total = 2, Overflow = typeof(AbstractBusy))] public sealed partial class P : Protocol { }" },
        { "overflow not a protocol", "[MaxConnections(Total = 2, Overflow = typeof(NotAProtocol))] public sealed partial class P : Protocol { }" },
        { "overflow without parameterless ctor", "[MaxConnections(Total = 2, Overflow = typeof(NeedsArgs))] public sealed partial class P : Protocol { }" },
        { "overflow private ctor", "[MaxConnections(Total = 2, Overflow = typeof(PrivateCtor))] public sealed partial class P : Protocol { }" },
        { "overflow is the protocol", "[MaxConnections(Total = 2, Overflow = typeof(P))] public sealed partial class P : Protocol { }" },
        { "overflow open generic", "[MaxConnections(Total = 2, Overflow = typeof(G<>))] public sealed partial class P : Protocol { } public sealed class G<T> : Protocol { }" },
        { "log length zero", "[LogTraffic(LengthLimit = 0)] public sealed partial class P : Protocol { }" },
        { "log length negative", "[LogTraffic(LengthLimit = -3)] public sealed partial class P : Protocol { }" },
        { "policy is a class", "[UsePolicy(typeof(ClassPolicy))] public sealed partial class P : Protocol { }" },
        { "policy not implementing the interface", "[UsePolicy(typeof(NotAPolicy))] public sealed partial class P : Protocol { }" },
        { "policy null", "[UsePolicy(null!)] public sealed partial class P : Protocol { }" },
        { "both framings", "[LineFraming] [LengthPrefixFraming] public sealed partial class P : Protocol { public override void MessageReceived(ReadOnlySpan<byte> m) { } }" },
        { "framing without MessageReceived", "[LineFraming] public sealed partial class P : Protocol { }" },
        { "framing and an own DataReceived", "[LineFraming] public sealed partial class P : Protocol { public override void MessageReceived(ReadOnlySpan<byte> m) { } public override void DataReceived(ReadOnlySpan<byte> d) { } }" },
        { "framing and a hiding DataReceived", "[LengthPrefixFraming] public partial class P : Protocol { public override void MessageReceived(ReadOnlySpan<byte> m) { } public new void DataReceived(ReadOnlySpan<byte> d) { } }" },
        { "line max length zero", "[LineFraming(MaxLength = 0)] public sealed partial class P : Protocol { public override void MessageReceived(ReadOnlySpan<byte> m) { } }" },
        { "line max length negative", "[LineFraming(MaxLength = -1)] public sealed partial class P : Protocol { public override void MessageReceived(ReadOnlySpan<byte> m) { } }" },
        { "line empty delimiter", "[LineFraming(Delimiter = \"\")] public sealed partial class P : Protocol { public override void MessageReceived(ReadOnlySpan<byte> m) { } }" },
        { "line delimiter above 255", "[LineFraming(Delimiter = \"\\u0100\")] public sealed partial class P : Protocol { public override void MessageReceived(ReadOnlySpan<byte> m) { } }" },
        { "prefix bytes 3", "[LengthPrefixFraming(PrefixBytes = 3)] public sealed partial class P : Protocol { public override void MessageReceived(ReadOnlySpan<byte> m) { } }" },
        { "prefix bytes 0", "[LengthPrefixFraming(PrefixBytes = 0)] public sealed partial class P : Protocol { public override void MessageReceived(ReadOnlySpan<byte> m) { } }" },
        { "prefix max length zero", "[LengthPrefixFraming(MaxLength = 0)] public sealed partial class P : Protocol { public override void MessageReceived(ReadOnlySpan<byte> m) { } }" },
        { "prefix 1 byte, max length 256", "[LengthPrefixFraming(PrefixBytes = 1, MaxLength = 256)] public sealed partial class P : Protocol { public override void MessageReceived(ReadOnlySpan<byte> m) { } }" },
        { "prefix 2 bytes, default max length", "[LengthPrefixFraming(PrefixBytes = 2)] public sealed partial class P : Protocol { public override void MessageReceived(ReadOnlySpan<byte> m) { } }" },
        { "cidr prefix too long", "[PeerFilter(Allow = new[] { \"10.0.0.0/33\" })] public sealed partial class P : Protocol { }" },
        { "cidr ipv6 prefix too long", "[PeerFilter(Deny = new[] { \"::/129\" })] public sealed partial class P : Protocol { }" },
        { "cidr host bits", "[PeerFilter(Allow = new[] { \"10.0.0.1/8\" })] public sealed partial class P : Protocol { }" },
        { "cidr not an address", "[PeerFilter(Deny = new[] { \"localhost\" })] public sealed partial class P : Protocol { }" },
        { "cidr empty", "[PeerFilter(Allow = new[] { \"\" })] public sealed partial class P : Protocol { }" },
        { "cidr null entry", "[PeerFilter(Allow = new string[] { null! })] public sealed partial class P : Protocol { }" },
        { "cidr negative prefix", "[PeerFilter(Allow = new[] { \"10.0.0.0/-1\" })] public sealed partial class P : Protocol { }" },
        { "one bad cidr among good", "[PeerFilter(Allow = new[] { \"10.0.0.0/8\", \"10.0.0.0/x\" })] public sealed partial class P : Protocol { }" },
        { "rate not set", "[MinDataRate] public sealed partial class P : Protocol { }" },
        { "rate zero", "[MinDataRate(BytesPerSecond = 0)] public sealed partial class P : Protocol { }" },
        { "rate negative", "[MinDataRate(BytesPerSecond = -1)] public sealed partial class P : Protocol { }" },
        { "rate NaN", "[MinDataRate(BytesPerSecond = double.NaN)] public sealed partial class P : Protocol { }" },
        { "rate infinite", "[MinDataRate(BytesPerSecond = double.PositiveInfinity)] public sealed partial class P : Protocol { }" },
        { "grace zero", "[MinDataRate(BytesPerSecond = 10, GraceSeconds = 0)] public sealed partial class P : Protocol { }" },
        { "grace negative", "[MinDataRate(BytesPerSecond = 10, GraceSeconds = -2)] public sealed partial class P : Protocol { }" },
        { "grace NaN", "[MinDataRate(BytesPerSecond = 10, GraceSeconds = double.NaN)] public sealed partial class P : Protocol { }" },
        { "grace infinite", "[MinDataRate(BytesPerSecond = 10, GraceSeconds = double.PositiveInfinity)] public sealed partial class P : Protocol { }" },
        { "valid framing plus invalid filter", "[LineFraming] [PeerFilter(Deny = new[] { \"1.2.3.4/40\" })] public sealed partial class P : Protocol { public override void MessageReceived(ReadOnlySpan<byte> m) { } }" },
        { "one invalid among valid", "[Timeout(1)] [LogTraffic] [MaxConnections(Total = -1)] public sealed partial class P : Protocol { }" },
        { "valid policy plus invalid one", "[UsePolicy(typeof(GoodPolicy))] [UsePolicy(typeof(NotAPolicy))] public sealed partial class P : Protocol { }" },
    };

    [Theory]
    [MemberData(nameof(UnsupportedShapes))]
    public void Unsupported_shape_or_value_generates_nothing(string why, string declaration)
    {
        var (result, _) = GeneratorHarness.Run(SnapshotTests.Usings + "namespace App;\n" + declaration + "\n" + Policy);
        Assert.True(result.GeneratedSources.IsEmpty, why + ": expected no output");
    }

    public static TheoryData<string> BrokenSources => new()
    {
        "[Throttle(ReadBytesPerSecond = )] public sealed partial class P : Protocol {",
        "[Timeout(\"soon\")] public sealed partial class P : Protocol { }",
        "[Timeout] public sealed partial class P : Protocol { }",
        "[Timeout(1, 2)] public sealed partial class P : Protocol { }",
        "[MaxConnections(Total = 10, Overflow = typeof(Missing))] public sealed partial class P : Protocol { }",
        "[MaxConnections(Total = 10, Nope = 3)] public sealed partial class P : Protocol { }",
        "[UsePolicy(typeof())] public sealed partial class P : Protocol { }",
        "[UsePolicy] public sealed partial class P : Protocol { }",
        "[LogTraffic(LengthLimit = \"x\")] public sealed partial class P : Protocol { }",
        "[Timeout(1)] public sealed partial class P : MissingBase { }",
        "[Timeout(1)] public sealed partial class : Protocol { }",
        "[Timeout(1)] partial class P : Protocol { void M( { }",
        "[Timeout(1)] [Timeout(2)] public sealed partial class P : Protocol { }",
        "[Throttle(ReadBytesPerSecond = long.MaxValue + 1)] public sealed partial class P : Protocol { }",
        "[Timeout(1)] public sealed partial class P : P { }",
        "[Timeout(1)] public sealed partial class P : Protocol { } [Timeout(2)] public sealed partial class P : Protocol { }",
        "[Timeout(1)",
        "[PeerFilter(Allow = new[] { 1, 2 })] public sealed partial class P : Protocol { }",
        "[PeerFilter(Allow = \"10.0.0.0/8\")] public sealed partial class P : Protocol { }",
        "[PeerFilter(Allow = new[] { Missing.Value })] public sealed partial class P : Protocol { }",
        "[LineFraming(Delimiter = 13)] public sealed partial class P : Protocol { public override void MessageReceived(ReadOnlySpan<byte> m) { } }",
        "[LengthPrefixFraming(PrefixBytes = 2, BigEndian = \"yes\")] public sealed partial class P : Protocol { public override void MessageReceived(ReadOnlySpan<byte> m) { } }",
        "[MinDataRate(BytesPerSecond = \"fast\")] public sealed partial class P : Protocol { }",
        "[LineFraming] public sealed partial class P : Protocol { public override void MessageReceived(ReadOnlySpan<byte> m) { } public override void MessageReceived(ReadOnlySpan<byte> m) { } }",
        "[LineFraming] public sealed partial class P : Protocol { public override void MessageReceived(int m) { } }",
        "[LineFraming] [LineFraming] public sealed partial class P : Protocol { public override void MessageReceived(ReadOnlySpan<byte> m) { } }",
        "namespace { [Timeout(1)] partial class P : Protocol }",
    };

    [Theory]
    [MemberData(nameof(BrokenSources))]
    public void Broken_code_does_not_throw(string source)
    {
        var compilation = GeneratorHarness.Compilation(SnapshotTests.Usings + "namespace App;\n" + source);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Protocol_without_attributes_gets_no_file()
    {
        var (result, _) = GeneratorHarness.Run(SnapshotTests.Usings + "namespace App; public sealed partial class P : Protocol { }");
        Assert.Empty(result.GeneratedSources);
    }

    [Fact]
    public void Without_the_runtime_reference_nothing_is_generated()
    {
        var compilation = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create("NoSdk",
            [Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("[Timeout(1)] partial class P { }", GeneratorHarness.ParseOptions)],
            Basic.Reference.Assemblies.Net100.References.All);
        var result = GeneratorHarness.Driver().RunGenerators(compilation).GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.Empty(result.GeneratedSources);
    }
}
