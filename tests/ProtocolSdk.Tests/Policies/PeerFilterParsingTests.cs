using System.Net;
using ProtocolSdk.Policies;

namespace ProtocolSdk.Tests.Policies;

/// <summary>
/// How PeerFilterPolicy reads rule text it could misread: IPv4-mapped IPv6 rules are converted to IPv4 (peers in mapped
/// form are checked as IPv4), zone ids are refused, and IPv4 must be plain dotted decimal.
/// </summary>
public class PeerFilterParsingTests
{
    [Theory]
    [InlineData("::ffff:10.0.0.0/104", "10.9.8.7", true)]
    [InlineData("::ffff:10.0.0.0/104", "::ffff:10.9.8.7", true)]
    [InlineData("::ffff:10.0.0.0/104", "11.0.0.1", false)]
    [InlineData("::ffff:10.1.2.3", "10.1.2.3", true)]      // a bare mapped address: that one IPv4 host
    [InlineData("::ffff:10.1.2.3", "10.1.2.4", false)]
    [InlineData("::ffff:0:0/96", "192.0.2.1", true)]        // every IPv4 address
    [InlineData("::FFFF:a00:0/104", "10.0.0.1", true)]      // hex form of the same rule
    public void A_deny_rule_in_IPv4_mapped_form_matches_IPv4_peers(string rule, string peer, bool denied)
    {
        var filter = new PeerFilterPolicy(Array.Empty<string>(), new[] { rule });
        Assert.Equal(!denied, filter.IsAllowed(IPAddress.Parse(peer)));
    }

    [Fact]
    public void A_mapped_rule_is_converted_to_its_IPv4_network()
    {
        Assert.True(PeerFilterPolicy.TryParseNetwork("::ffff:10.0.0.0/104", out var network));
        Assert.Equal(IPNetwork.Parse("10.0.0.0/8"), network);
        Assert.True(PeerFilterPolicy.TryParseNetwork("::ffff:192.168.1.1", out var host));
        Assert.Equal(IPNetwork.Parse("192.168.1.1/32"), host);
    }

    [Theory]
    [InlineData("fe80::1%2")]
    [InlineData("fe80::%2/64")]
    [InlineData("fe80::1%eth0")] // would depend on this machine's interface names
    [InlineData("fe80::1%lo")]
    [InlineData("::ffff:10.0.0.1%3")]
    public void Zone_ids_are_refused_with_a_reason(string rule)
    {
        Assert.False(PeerFilterPolicy.TryParseNetwork(rule, out _));
        var error = Assert.Throws<FormatException>(() => new PeerFilterPolicy(new[] { rule }, Array.Empty<string>()));
        Assert.Contains("zone id", error.Message);
    }

    [Theory]
    [InlineData("010.0.0.0/8", "8.0.0.0")]     // octal
    [InlineData("10.1", "10.0.0.1")]           // two-part form
    [InlineData("167772160", "10.0.0.0")]      // one number
    [InlineData("0x0A.0.0.0/8", "10.0.0.0")]   // hex
    [InlineData("192.168.001.000/24", "192.168.1.0")]
    public void Lenient_IPv4_text_is_refused_naming_what_it_would_mean(string rule, string readAs)
    {
        Assert.False(PeerFilterPolicy.TryParseNetwork(rule, out _));
        var error = Assert.Throws<FormatException>(() => new PeerFilterPolicy(Array.Empty<string>(), new[] { rule }));
        Assert.Contains("dotted-decimal", error.Message);
        Assert.Contains(readAs, error.Message);
    }

    [Theory]
    [InlineData("10.0.0.0/8")]
    [InlineData("0.0.0.0/0")]
    [InlineData("192.168.1.10")]
    [InlineData("::1")]
    [InlineData("fe80::/10")]
    [InlineData("2001:db8::/32")]
    public void Plain_rules_still_parse(string rule) => Assert.True(PeerFilterPolicy.TryParseNetwork(rule, out _));
}
