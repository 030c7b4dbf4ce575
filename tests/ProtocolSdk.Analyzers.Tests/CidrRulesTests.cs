using ProtocolSdk.Policies;
using Verify = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK012InvalidCidrAnalyzer>;

namespace ProtocolSdk.Analyzers.Tests;

/// <summary>
/// PSDK012's rules for text the BCL parser would misread (issue 15): IPv4-mapped IPv6 rules are accepted (the runtime
/// converts them to IPv4), zone ids are refused, IPv4 must be plain dotted decimal. The analyzer and the runtime agree.
/// </summary>
public class CidrRulesTests
{
    private static string Protocol(string attributes) => $$"""
        using ProtocolSdk;
        {{attributes}}
        public sealed partial class Chat : Protocol { }
        """;

    [Fact]
    public Task IPv4_mapped_rules_are_accepted() => Verify.VerifyAsync(Protocol(
        """[PeerFilter(Deny = new[] { "::ffff:10.0.0.0/104", "::ffff:192.168.1.1", "::ffff:0:0/96" })]"""));

    [Fact]
    public Task A_mapped_rule_with_host_bits_is_still_reported() => Verify.VerifyAsync(Protocol(
        """[PeerFilter(Deny = new[] { {|#0:"::ffff:10.0.0.0/80"|} })]"""),
        Verify.Diagnostic("PSDK012").WithLocation(0).WithArguments("Chat", "::ffff:10.0.0.0/80", "Deny",
            "host bits are set after the /80 prefix (did you mean ::/80?)"));

    [Fact]
    public Task Zone_ids_are_reported() => Verify.VerifyAsync(Protocol(
        """[PeerFilter(Allow = new[] { {|#0:"fe80::1%eth0"|}, {|#1:"fe80::%2/64"|} })]"""),
        Verify.Diagnostic("PSDK012").WithLocation(0).WithArguments("Chat", "fe80::1%eth0", "Allow",
            "it has a zone id: a rule matches addresses on every interface, so write the address without '%...'"),
        Verify.Diagnostic("PSDK012").WithLocation(1).WithArguments("Chat", "fe80::%2/64", "Allow",
            "it has a zone id: a rule matches addresses on every interface, so write the address without '%...'"));

    [Fact]
    public Task Lenient_IPv4_text_is_reported_with_what_it_would_mean() => Verify.VerifyAsync(Protocol(
        """[PeerFilter(Deny = new[] { {|#0:"010.0.0.0/8"|}, {|#1:"10.1"|} })]"""),
        Verify.Diagnostic("PSDK012").WithLocation(0).WithArguments("Chat", "010.0.0.0/8", "Deny",
            "'010.0.0.0' is not plain dotted-decimal IPv4 (it would read as 8.0.0.0): write four numbers 0..255 without leading zeros"),
        Verify.Diagnostic("PSDK012").WithLocation(1).WithArguments("Chat", "10.1", "Deny",
            "'10.1' is not plain dotted-decimal IPv4 (it would read as 10.0.0.1): write four numbers 0..255 without leading zeros"));

    /// <summary>Every entry is either reported at compile time or parsed by the runtime, never both or neither.</summary>
    [Theory]
    [InlineData("::ffff:10.0.0.0/104")]
    [InlineData("::ffff:10.0.0.0/80")]
    [InlineData("::ffff:10.1.2.3")]
    [InlineData("::FFFF:a00:0/104")]
    [InlineData("::ffff:010.0.0.1")]
    [InlineData("fe80::1%eth0")]
    [InlineData("fe80::1%2")]
    [InlineData("fe80::%2/64")]
    [InlineData("::ffff:10.0.0.1%3")]
    [InlineData("010.0.0.0/8")]
    [InlineData("10.1")]
    [InlineData("167772160")]
    [InlineData("0x0A.0.0.0/8")]
    [InlineData("192.168.001.000/24")]
    [InlineData("10.0.0.0/8")]
    [InlineData("0.0.0.0/0")]
    [InlineData("1.2.3.4")]
    [InlineData("fe80::/10")]
    public Task Agrees_with_the_runtime(string entry)
    {
        bool valid = PeerFilterPolicy.TryParseNetwork(entry, out _);
        string literal = "\"" + entry + "\"";
        return valid
            ? Verify.VerifyAsync(Protocol("[PeerFilter(Allow = new[] { " + literal + " })]"))
            : Verify.VerifyAsync(Protocol("[PeerFilter(Allow = new[] { {|PSDK012:" + literal + "|} })]"));
    }
}
