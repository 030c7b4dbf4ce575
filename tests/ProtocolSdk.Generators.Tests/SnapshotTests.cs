namespace ProtocolSdk.Generators.Tests;

/// <summary>The generated text for each attribute and each supported shape, checked against Snapshots/*.verified.cs; each also compiles cleanly.</summary>
public class SnapshotTests
{
    internal const string Usings = "using System;\nusing ProtocolSdk;\nusing ProtocolSdk.Policies;\n";

    [Fact]
    public void Throttle_alone() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs", Usings + """
        namespace App;
        [Throttle(ReadBytesPerSecond = 65536, WriteBytesPerSecond = 32768, Scope = ThrottleScope.PerPeer, BurstBytes = 4096)]
        public sealed partial class Chat : Protocol { }
        """));

    [Fact]
    public void Throttle_write_only() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs", Usings + """
        namespace App;
        [Throttle(WriteBytesPerSecond = 1000)]
        public sealed partial class Chat : Protocol { }
        """));

    /// <summary>0 means "no limit" for a rate and "one second's worth" for the burst, as the attribute documents (not an error).</summary>
    [Fact]
    public void Throttle_per_peer_with_ipv6_prefix_and_explicit_zeros() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs", Usings + """
        namespace App;
        [Throttle(ReadBytesPerSecond = 0, WriteBytesPerSecond = 5000, BurstBytes = 0, Scope = ThrottleScope.PerPeer, IPv6PrefixLength = 64)]
        public sealed partial class Chat : Protocol { }
        """));

    [Fact]
    public void Timeout_alone() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs", Usings + """
        namespace App;
        [Timeout(0.1234567)]
        public sealed partial class Chat : Protocol { }
        """));

    [Fact]
    public void MaxConnections_alone() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs", Usings + """
        namespace App;
        [MaxConnections(PerPeer = 4, IPv6PrefixLength = 64)]
        public sealed partial class Chat : Protocol { }
        """));

    [Fact]
    public void ClusterWide_limits_and_throttle() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Lobby.Policies.g.cs", Usings + """
        namespace App;
        [MaxConnections(Total = 1000, PerPeer = 4, ClusterWide = true)]
        [Throttle(ReadBytesPerSecond = 200_000, Scope = ThrottleScope.PerPeer, ClusterWide = true)]
        public sealed partial class Lobby : Protocol { }
        """));

    [Fact]
    public void LogTraffic_alone() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs", Usings + """
        namespace App;
        [LogTraffic(Level = Microsoft.Extensions.Logging.LogLevel.Debug)]
        public sealed partial class Chat : Protocol { }
        """));

    internal const string AllCombined = """
        namespace App;
        [Throttle(ReadBytesPerSecond = 65536, WriteBytesPerSecond = 65536)]
        [Timeout(30)]
        [MaxConnections(Total = 10000, PerPeer = 8, Overflow = typeof(Busy))]
        [LogTraffic(LengthLimit = 32)]
        public sealed partial class Chat : Protocol
        {
            public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
        }
        public sealed class Busy : Protocol { }
        """;

    [Fact]
    public void All_combined() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs", Usings + AllCombined));

    internal const string PolicyStruct = """
        public struct CountingPolicy : IConnectionPolicy
        {
            public int Events;
            public ConnectionAdmission OnAdmit(Transport transport) => ConnectionAdmission.Accept;
            public void OnConnectionMade(Protocol protocol, Transport transport) => Events++;
            public void OnDataReceived(Protocol protocol, ReadOnlySpan<byte> data) => Events++;
            public void OnDataWritten(Protocol protocol, ReadOnlySpan<byte> data) => Events++;
            public void OnConnectionLost(Protocol protocol, DisconnectReason reason) => Events++;
        }
        """;

    [Fact]
    public void UsePolicy_alone() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs", Usings + """
        namespace App
        {
            [UsePolicy(typeof(CountingPolicy))]
            [UsePolicy(typeof(Other.DenyPolicy))]
            public sealed partial class Chat : Protocol { }
        }
        """ + "\n" + PolicyStruct + """

        namespace Other
        {
            public struct DenyPolicy : IConnectionPolicy
            {
                public ConnectionAdmission OnAdmit(Transport transport) => ConnectionAdmission.Reject("no");
                public void OnConnectionMade(Protocol protocol, Transport transport) { }
                public void OnDataReceived(Protocol protocol, ReadOnlySpan<byte> data) { }
                public void OnDataWritten(Protocol protocol, ReadOnlySpan<byte> data) { }
                public void OnConnectionLost(Protocol protocol, DisconnectReason reason) { }
            }
        }
        """));

    [Fact]
    public void UsePolicy_with_all_builtins() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs", Usings + """
        namespace App
        {
            [Throttle(ReadBytesPerSecond = 100)]
            [Timeout(5)]
            [MaxConnections(Total = 3)]
            [LogTraffic]
            [UsePolicy(typeof(CountingPolicy))]
            public sealed partial class Chat : Protocol { }
        }
        """ + "\n" + PolicyStruct));

    [Fact]
    public void LineFraming_alone() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs", Usings + """
        namespace App;
        [LineFraming(MaxLength = 512, Delimiter = "\0\n\u00e9\"")]
        public sealed partial class Chat : Protocol
        {
            public override void ConnectionMade() => SendMessage("hello"u8);
            public override void MessageReceived(ReadOnlySpan<byte> message) => SendMessage(message);
        }
        """));

    [Fact]
    public void LineFraming_defaults_in_an_unsealed_class() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs", Usings + """
        namespace App;
        [LineFraming]
        public partial class Chat : Protocol
        {
            public override void MessageReceived(ReadOnlySpan<byte> message) => SendMessage(message);
        }
        public sealed class Derived : Chat
        {
            public override void MessageReceived(ReadOnlySpan<byte> message) { SendMessage(message); SendMessage(message); }
        }
        """));

    [Fact]
    public void LengthPrefixFraming_alone() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs", Usings + """
        namespace App;
        [LengthPrefixFraming(PrefixBytes = 2, MaxLength = 65535, BigEndian = false)]
        public sealed partial class Chat : Protocol
        {
            public override void MessageReceived(ReadOnlySpan<byte> message) => SendMessage(message);
        }
        """));

    [Fact]
    public void LengthPrefixFraming_MessageReceived_in_a_base_class() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs", Usings + """
        namespace App;
        public abstract class Base : Protocol
        {
            public override void MessageReceived(ReadOnlySpan<byte> message) { }
        }
        [LengthPrefixFraming]
        public sealed partial class Chat : Base { }
        """));

    [Fact]
    public void PeerFilter_alone() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs", Usings + """
        namespace App;
        [PeerFilter(Allow = new[] { "127.0.0.0/8", "::1", "2001:db8::/32", "10.1.2.3" }, Deny = new[] { "127.0.0.66/32" })]
        public sealed partial class Chat : Protocol { }
        """));

    [Fact]
    public void PeerFilter_deny_only() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs", Usings + """
        namespace App;
        [PeerFilter(Deny = new[] { "192.168.0.0/16" })]
        public sealed partial class Chat : Protocol { }
        """));

    [Fact]
    public void MinDataRate_alone() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs", Usings + """
        namespace App;
        [MinDataRate(BytesPerSecond = 240.5, GraceSeconds = 0.25)]
        public sealed partial class Chat : Protocol { }
        """));

    [Fact]
    public void MinDataRate_default_grace() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs", Usings + """
        namespace App;
        [MinDataRate(BytesPerSecond = 1e-5)]
        public sealed partial class Chat : Protocol { }
        """));

    [Fact]
    public void Everything_combined() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs", Usings + """
        namespace App
        {
            [PeerFilter(Allow = new[] { "10.0.0.0/8" }, Deny = new[] { "10.6.6.0/24" })]
            [MaxConnections(Total = 100, PerPeer = 4)]
            [Throttle(ReadBytesPerSecond = 65536)]
            [MinDataRate(BytesPerSecond = 100, GraceSeconds = 2)]
            [Timeout(30)]
            [LogTraffic]
            [LineFraming(MaxLength = 1024)]
            [UsePolicy(typeof(CountingPolicy))]
            public sealed partial class Chat : Protocol
            {
                public override void ConnectionMade() => SendMessage("welcome"u8);
                public override void MessageReceived(ReadOnlySpan<byte> message) => SendMessage(message);
                protected override void MessageTooLong(long length) => Transport.LoseConnection();
            }
        }
        """ + "\n" + PolicyStruct));

    [Fact]
    public void PeerFilter_with_user_policy_only() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs", Usings + """
        namespace App
        {
            [PeerFilter(Allow = new[] { "::/0" })]
            [UsePolicy(typeof(CountingPolicy))]
            public sealed partial class Chat : Protocol { }
        }
        """ + "\n" + PolicyStruct));

    [Fact]
    public void Nested_type() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Net.Outer.Middle.Inner.Policies.g.cs", Usings + """
        namespace App.Net
        {
            public static partial class Outer
            {
                internal partial struct Middle
                {
                    [Timeout(10)]
                    private sealed partial class Inner : Protocol { }
                }
            }
        }
        """));

    [Fact]
    public void Nested_in_records() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Outer.Middle.Inner.Policies.g.cs", Usings + """
        namespace App;
        public partial record Outer
        {
            public partial record struct Middle
            {
                [Timeout(10)]
                public sealed partial class Inner : Protocol { }
            }
        }
        """));

    [Fact]
    public void Global_namespace() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("Chat.Policies.g.cs", Usings + """
        [LogTraffic(LengthLimit = 16)]
        public sealed partial class Chat : Protocol { }
        """));

    [Fact]
    public void File_scoped_namespace() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("Company.Product.Chat.Policies.g.cs", Usings + """
        namespace Company.Product;
        [MaxConnections(Total = 100, Overflow = typeof(Busy))]
        internal partial class Chat : Protocol { }
        internal sealed class Busy : Protocol { }
        """));

    [Fact]
    public void Split_partial_class() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Chat.Policies.g.cs",
        Usings + """
        namespace App;
        [Timeout(30)]
        [UsePolicy(typeof(CountingPolicy))]
        public sealed partial class Chat : Protocol { }
        """ + "\n" + PolicyStruct,
        Usings + """
        namespace App
        {
            [Throttle(WriteBytesPerSecond = 500)]
            partial class Chat
            {
                public override void ConnectionMade() => Transport.Write("hi"u8);
            }
        }
        """,
        Usings + """
        namespace App;
        [MaxConnections(Total = 10)]
        partial class Chat { }
        """));

    [Fact]
    public void Keyword_names_are_escaped() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("@event.@class.Policies.g.cs".Replace("@", ""), Usings + """
        namespace @event;
        [Timeout(1)]
        public sealed partial class @class : Protocol { }
        """));

    /// <summary>
    /// Issue #10: a derived class's hooks call its base class's (admission first, tear-down last), so an inherited
    /// [Timeout(2)] and the derived [MaxConnections] and [LogTraffic] all hold; a rejection releases the base's count too.
    /// </summary>
    [Fact]
    public void Derived_class_composes_with_its_base_class()
    {
        var (result, output) = GeneratorHarness.Run(Usings + """
            namespace App;
            [Timeout(2), PeerFilter(Deny = new[] { "10.0.0.0/8" })]
            public partial class Base : Protocol { }
            [MaxConnections(Total = 3), LogTraffic]
            public sealed partial class Chat : Base { }
            """);
        GeneratorHarness.AssertCompilesClean(output);
        Assert.Equal(["App.Base.Policies.g.cs", "App.Chat.Policies.g.cs"], result.GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
        SnapshotAssert.Matches(result.GeneratedSources.Single(s => s.HintName == "App.Chat.Policies.g.cs").SourceText.ToString());
    }

    /// <summary>Issue #10: a framed protocol that only sends needs no MessageReceived; the generated code compiles.</summary>
    [Fact]
    public void Send_only_framing_without_MessageReceived() => SnapshotAssert.Matches(GeneratorHarness.GenerateSingle("App.Feed.Policies.g.cs", Usings + """
        namespace App;
        [LengthPrefixFraming(PrefixBytes = 2, MaxLength = 1000)]
        public sealed partial class Feed : Protocol
        {
            public override void ConnectionMade() => SendMessage("hello"u8);
        }
        """));
}
