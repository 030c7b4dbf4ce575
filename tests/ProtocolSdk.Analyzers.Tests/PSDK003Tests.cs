using Verify = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK003InvalidValueAnalyzer>;

namespace ProtocolSdk.Analyzers.Tests;

public class PSDK003Tests
{
    private static string Protocol(string attributes) => $$"""
        using ProtocolSdk;
        {{attributes}}
        public sealed partial class Chat : Protocol { }
        """;

    [Theory]
    [InlineData("[Throttle(ReadBytesPerSecond = 1000)]")]
    [InlineData("[Throttle(WriteBytesPerSecond = 1000, ReadBytesPerSecond = 0)]")]
    [InlineData("[Throttle(ReadBytesPerSecond = 1000, BurstBytes = 0, Scope = ThrottleScope.AllConnections)]")]
    [InlineData("[Timeout(0.25)]")]
    [InlineData("[Timeout(31536000)]")]
    [InlineData("[MaxConnections(Total = 10, PerPeer = 10)]")]
    [InlineData("[MaxConnections(PerPeer = 3, IPv6PrefixLength = 128)]")]
    [InlineData("[MaxConnections(Total = 3, PerPeer = 0)]")]
    [InlineData("[LogTraffic]")]
    [InlineData("[LogTraffic(LengthLimit = 1)]")]
    public Task ValidValues_AreNotReported(string attributes) => Verify.VerifyAsync(Protocol(attributes));

    [Fact]
    public Task NegativeRate_IsReportedOnTheArgument() => Verify.VerifyAsync(Protocol("[Throttle(ReadBytesPerSecond = {|#0:-5|}, WriteBytesPerSecond = 10)]"),
        Verify.Diagnostic("PSDK003").WithLocation(0).WithArguments("Throttle", "Chat", "ReadBytesPerSecond = -5 is negative; use a positive value, or 0 for no read limit"));

    [Fact]
    public Task NegativeBurst_IsReported() => Verify.VerifyAsync(Protocol("[Throttle(WriteBytesPerSecond = 10, BurstBytes = {|PSDK003:-1|})]"));

    [Fact]
    public Task NegativeRateAlone_DoesNotAlsoSayUnlimited() => Verify.VerifyAsync(Protocol("[Throttle(WriteBytesPerSecond = {|PSDK003:-1|})]"));

    [Theory]
    [InlineData("[{|#0:Throttle|}]")]
    [InlineData("[{|#0:Throttle(Scope = ThrottleScope.PerPeer)|}]")]
    [InlineData("[{|#0:ThrottleAttribute(ReadBytesPerSecond = 0, WriteBytesPerSecond = 0)|}]")]
    public Task ThrottleWithoutRate_IsReported(string attributes) => Verify.VerifyAsync(Protocol(attributes),
        Verify.Diagnostic("PSDK003").WithLocation(0).WithArguments("Throttle", "Chat", "neither ReadBytesPerSecond nor WriteBytesPerSecond is positive, so the throttle limits nothing; set at least one of them"));

    [Fact]
    public Task UndefinedScope_IsReported() => Verify.VerifyAsync(Protocol("[Throttle(ReadBytesPerSecond = 5, Scope = {|PSDK003:(ThrottleScope)7|})]"));

    [Theory]
    [InlineData("0", "the timeout 0 s is not positive; remove [Timeout] for no timeout")]
    [InlineData("-1.5", "the timeout -1.5 s is not positive; remove [Timeout] for no timeout")]
    [InlineData("double.NaN", "the timeout is NaN; give a positive, finite number of seconds")]
    [InlineData("double.PositiveInfinity", "the timeout Infinity is infinite; remove [Timeout] for no timeout")]
    [InlineData("1e9", "the timeout 1000000000 s is longer than 365 days, which Protocol.SetTimeout rejects")]
    public Task InvalidTimeout_IsReported(string value, string message) => Verify.VerifyAsync(Protocol("[Timeout({|#0:" + value + "|})]"),
        Verify.Diagnostic("PSDK003").WithLocation(0).WithArguments("Timeout", "Chat", message));

    [Fact]
    public Task TimeoutFromConstant_AndNamedArgument_AreChecked() => Verify.VerifyAsync("""
        using ProtocolSdk;
        [Timeout(seconds: {|PSDK003:Settings.Idle|})]
        public sealed partial class Chat : Protocol { }
        static class Settings { public const double Idle = -3; }
        """);

    [Fact]
    public Task AliasedTimeout_IsChecked() => Verify.VerifyAsync("""
        using T = ProtocolSdk.TimeoutAttribute;
        [T({|PSDK003:0|})]
        public sealed partial class Chat : ProtocolSdk.Protocol { }
        """);

    [Fact]
    public Task NegativeTotal_IsReported() => Verify.VerifyAsync(Protocol("[MaxConnections(Total = {|PSDK003:-1|}, PerPeer = 2)]"));

    [Fact]
    public Task PerPeerAboveTotal_IsReported() => Verify.VerifyAsync(Protocol("[MaxConnections(Total = 4, PerPeer = {|#0:8|})]"),
        Verify.Diagnostic("PSDK003").WithLocation(0).WithArguments("MaxConnections", "Chat", "PerPeer = 8 is larger than Total = 4, so it can never apply"));

    [Fact]
    public Task MaxConnectionsWithoutLimit_IsReported() => Verify.VerifyAsync(Protocol("[{|PSDK003:MaxConnections(IPv6PrefixLength = 64)|}]"));

    [Theory]
    [InlineData("-1")]
    [InlineData("129")]
    public Task PrefixOutOfRange_IsReported(string value) => Verify.VerifyAsync(Protocol("[MaxConnections(PerPeer = 2, IPv6PrefixLength = {|PSDK003:" + value + "|})]"));

    [Theory]
    [InlineData("-1")]
    [InlineData("129")]
    public Task ThrottlePrefixOutOfRange_IsReported(string value) =>
        Verify.VerifyAsync(Protocol("[Throttle(ReadBytesPerSecond = 10, Scope = ThrottleScope.PerPeer, IPv6PrefixLength = {|PSDK003:" + value + "|})]"));

    [Fact]
    public Task ThrottleZeroRateWithOtherRate_IsFine() =>
        Verify.VerifyAsync(Protocol("[Throttle(ReadBytesPerSecond = 0, WriteBytesPerSecond = 10, BurstBytes = 0, IPv6PrefixLength = 64)]"));

    [Theory]
    [InlineData("0")]
    [InlineData("-10")]
    public Task NonPositiveLengthLimit_IsReported(string value) => Verify.VerifyAsync(Protocol("[LogTraffic(LengthLimit = {|PSDK003:" + value + "|})]"));

    [Fact]
    public Task SeveralProblems_AreAllReported() => Verify.VerifyAsync(
        Protocol("[Timeout({|PSDK003:0|})][MaxConnections(Total = {|PSDK003:-2|}, PerPeer = 1)][LogTraffic(LengthLimit = {|PSDK003:0|})]"));
}
