using ProtocolSdk.Policies;
using Verify = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK012InvalidCidrAnalyzer>;

namespace ProtocolSdk.Analyzers.Tests;

public class PSDK012Tests
{
    private static string Protocol(string attributes) => $$"""
        using ProtocolSdk;
        {{attributes}}
        public sealed partial class Chat : Protocol { }
        """;

    [Fact]
    public Task ValidEntries_AreNotReported() => Verify.VerifyAsync(Protocol(
        """[PeerFilter(Allow = new[] { "127.0.0.0/8", "::1/128", "10.1.2.3", "::1", "0.0.0.0/0", "::/0", "fe80::/10", "2001:db8::/32" }, Deny = new string[] { "127.0.0.66/32" })]"""));

    [Fact]
    public Task EmptyAndNullLists_AreNotReported() => Verify.VerifyAsync(Protocol("[PeerFilter(Allow = new string[0], Deny = null)]"));

    [Fact]
    public Task InvalidEntry_IsReportedOnTheEntry_WithListAndReason() => Verify.VerifyAsync(Protocol(
        """[PeerFilter(Allow = new[] { "127.0.0.0/8", {|#0:"10.0.0.1/8"|} }, Deny = new[] { {|#1:"10.0.0.0/33"|} })]"""),
        Verify.Diagnostic("PSDK012").WithLocation(0).WithArguments("Chat", "10.0.0.1/8", "Allow", "host bits are set after the /8 prefix (did you mean 10.0.0.0/8?)"),
        Verify.Diagnostic("PSDK012").WithLocation(1).WithArguments("Chat", "10.0.0.0/33", "Deny", "the prefix length '33' is not in 0..32"));

    [Fact]
    public Task NullEntry_IsReported() => Verify.VerifyAsync(Protocol("""[PeerFilter(Deny = new string[] { {|#0:null!|} })]"""),
        Verify.Diagnostic("PSDK012").WithLocation(0).WithArguments("Chat", "null", "Deny", "the entry is null"));

    [Fact]
    public Task CollectionExpression_AndConstants_AreChecked() => Verify.VerifyAsync("""
        using ProtocolSdk;
        [PeerFilter(Allow = [Nets.Lan, {|PSDK012:Nets.Bad|}])]
        public sealed partial class Chat : Protocol { }
        static class Nets { public const string Lan = "192.168.0.0/16"; public const string Bad = "192.168.0.0/x"; }
        """);

    [Fact]
    public Task Alias_FullyQualified_Suffix_AndSplitPartial_AreChecked() => Verify.VerifyAsync(new[]
    {
        """
        using PF = ProtocolSdk.PeerFilterAttribute;
        [PF(Allow = new[] { {|PSDK012:"::1/129"|} })]
        public sealed partial class A : ProtocolSdk.Protocol { }
        [global::ProtocolSdk.PeerFilterAttribute(Deny = new[] { {|PSDK012:"nope"|} })]
        public sealed partial class B : ProtocolSdk.Protocol { }
        [ProtocolSdk.PeerFilter(Deny = new[] { {|PSDK012:""|} })]
        public sealed partial class C : ProtocolSdk.Protocol { }
        """,
        """
        [ProtocolSdk.PeerFilter(Allow = new[] { {|PSDK012:"1.2.3.4/24"|} })]
        public sealed partial class D { }
        public sealed partial class D : ProtocolSdk.Protocol { }
        """,
    });

    [Fact]
    public Task LookAlikeAttribute_IsIgnored() => Verify.VerifyAsync("""
        namespace Other { public sealed class PeerFilterAttribute : System.Attribute { public string[] Allow { get; set; } = new string[0]; } }
        [Other.PeerFilter(Allow = new[] { "not a network" })]
        public sealed partial class Chat : ProtocolSdk.Protocol { }
        """);

    /// <summary>The analyzer's CIDR rules agree with the runtime's PeerFilterPolicy.TryParseNetwork on every entry.</summary>
    [Theory]
    [InlineData("10.0.0.0/8")]
    [InlineData("10.0.0.1/8")]
    [InlineData("10.0.0.0/32")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/0")]
    [InlineData("0.0.0.0/0")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0.0/+8")]
    [InlineData("10.0.0.0/ 8")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/8/8")]
    [InlineData("10.0.0.0/99999999999")]
    [InlineData("/8")]
    [InlineData("10.1.2.3")]
    [InlineData("10")]
    [InlineData("256.0.0.1")]
    [InlineData("::1")]
    [InlineData("::1/128")]
    [InlineData("::1/127")]
    [InlineData("::/0")]
    [InlineData("::/129")]
    [InlineData("fe80::/10")]
    [InlineData("fe80::1%2")]
    [InlineData("fe80::%2/64")]
    [InlineData("::ffff:10.0.0.0/104")]
    [InlineData("2001:db8::/32")]
    [InlineData("2001:db8::1/32")]
    [InlineData("[::1]")]
    [InlineData("localhost")]
    [InlineData(" 10.0.0.0/8")]
    [InlineData("10.0.0.0/8 ")]
    [InlineData("")]
    [InlineData(" ")]
    public Task Agrees_with_the_runtime(string entry)
    {
        bool valid = PeerFilterPolicy.TryParseNetwork(entry, out _);
        string literal = "\"" + entry + "\"";
        return valid
            ? Verify.VerifyAsync(Protocol("[PeerFilter(Allow = new[] { " + literal + " })]"))
            : Verify.VerifyAsync(Protocol("[PeerFilter(Allow = new[] { {|PSDK012:" + literal + "|} })]"));
    }
}
