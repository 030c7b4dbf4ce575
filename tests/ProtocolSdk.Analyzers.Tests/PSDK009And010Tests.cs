using Verify9 = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK009UnboundedBufferingAnalyzer>;
using Verify10 = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK010TimeoutShorterThanThrottleAnalyzer>;

namespace ProtocolSdk.Analyzers.Tests;

public class PSDK009Tests
{
    private static string Source(string attributes) => $$"""
        using ProtocolSdk;
        {{attributes}}
        public sealed partial class Chat : Protocol { }
        """;

    [Theory]
    [InlineData("[Throttle(WriteBytesPerSecond = 64)]")]
    [InlineData("[Throttle(WriteBytesPerSecond = 1_000_000, BurstBytes = 64L * 1024 * 1024)]")]
    [InlineData("[Throttle(ReadBytesPerSecond = 10, BurstBytes = 1L << 40)]")]
    [InlineData("[Throttle(ReadBytesPerSecond = 1)]")]
    [InlineData("[Throttle(WriteBytesPerSecond = -1)]")]
    public Task BoundedSettings_AreNotReported(string attributes) => Verify9.VerifyAsync(Source(attributes));

    [Fact]
    public Task TinyWriteLimit_IsReported() => Verify9.VerifyAsync(Source("[Throttle(WriteBytesPerSecond = {|#0:16|})]"),
        Verify9.Diagnostic("PSDK009").WithLocation(0).WithArguments("Chat",
            "WriteBytesPerSecond = 16 needs 4096 s to drain the 64 KiB high-water mark; output written meanwhile stays buffered, so use at least 64 B/s"));

    [Fact]
    public Task HugeWriteBurst_IsReported() => Verify9.VerifyAsync(
        Source("[ProtocolSdk.ThrottleAttribute(WriteBytesPerSecond = 1000, BurstBytes = {|#0:1L << 30|})]"),
        Verify9.Diagnostic("PSDK009").WithLocation(0).WithArguments("Chat",
            "BurstBytes = 1073741824 is larger than 64 MiB (1024 high-water marks), so the write limit bounds neither bursts nor buffered output; use a burst of at most 64 MiB"));

    [Fact]
    public Task BothProblems_AreReported() => Verify9.VerifyAsync(
        Source("[Throttle(WriteBytesPerSecond = {|PSDK009:1|}, BurstBytes = {|PSDK009:100_000_000|})]"));
}

public class PSDK010Tests
{
    private static string Source(string attributes) => $$"""
        using ProtocolSdk;
        {{attributes}}
        public sealed partial class Chat : Protocol { }
        """;

    [Theory]
    [InlineData("[Timeout(30)][Throttle(ReadBytesPerSecond = 1000)]")]
    [InlineData("[Timeout(1)][Throttle(ReadBytesPerSecond = 1000)]")]
    [InlineData("[Timeout(10)][Throttle(ReadBytesPerSecond = 1000, BurstBytes = 10_000)]")]
    [InlineData("[Timeout(0.1)][Throttle(WriteBytesPerSecond = 1000)]")]
    [InlineData("[Timeout(0.1)]")]
    [InlineData("[Timeout(-1)][Throttle(ReadBytesPerSecond = 1000)]")]
    public Task TimeoutLongEnough_IsNotReported(string attributes) => Verify10.VerifyAsync(Source(attributes));

    [Fact]
    public Task TimeoutShorterThanDefaultBurst_IsReported() => Verify10.VerifyAsync(Source("[Timeout({|#0:0.5|})][Throttle(ReadBytesPerSecond = 1000)]"),
        Verify10.Diagnostic("PSDK010").WithLocation(0).WithArguments("0.5", "Chat", "1", "1000", "1000"));

    [Fact]
    public Task TimeoutShorterThanExplicitBurst_IsReported() => Verify10.VerifyAsync(
        Source("[Throttle(ReadBytesPerSecond = 1024, BurstBytes = 1024 * 1024)]\n[ProtocolSdk.TimeoutAttribute({|#0:60|})]"),
        Verify10.Diagnostic("PSDK010").WithLocation(0).WithArguments("60", "Chat", "1024", "1024", "1048576"));

    [Fact]
    public Task AliasesAcrossPartialDeclarations_AreCombined() => Verify10.VerifyAsync(new[]
    {
        """
        using T = ProtocolSdk.TimeoutAttribute;
        [T({|PSDK010:2|})]
        public sealed partial class Chat : ProtocolSdk.Protocol { }
        """,
        """
        [ProtocolSdk.Throttle(ReadBytesPerSecond = 100, BurstBytes = 1000)]
        public sealed partial class Chat { }
        """,
    });
}
