using Verify13 = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK013MissingMessageReceivedAnalyzer>;
using Verify14 = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK014TwoFramingsAnalyzer>;
using Verify15 = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK015DataReceivedWithFramingAnalyzer>;
using Verify16 = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK016InvalidFramingValueAnalyzer>;

namespace ProtocolSdk.Analyzers.Tests;

public class PSDK013Tests
{
    private const string Message = "public override void MessageReceived(System.ReadOnlySpan<byte> message) { }";

    [Theory]
    [InlineData("[LineFraming]")]
    [InlineData("[LengthPrefixFraming(PrefixBytes = 2, MaxLength = 100)]")]
    public Task WithMessageReceived_IsNotReported(string attribute) => Verify13.VerifyAsync($$"""
        using ProtocolSdk;
        {{attribute}}
        public sealed partial class Chat : Protocol { {{Message}} }
        """);

    [Fact]
    public Task MessageReceivedInABaseClass_IsNotReported() => Verify13.VerifyAsync($$"""
        using ProtocolSdk;
        public abstract class Base : Protocol { {{Message}} }
        public abstract class Middle : Base { }
        [LineFraming]
        public sealed partial class Chat : Middle { }
        """);

    [Fact]
    public Task WithoutMessageReceived_IsReportedOnTheAttribute() => Verify13.VerifyAsync("""
        using ProtocolSdk;
        [{|#0:LineFraming(MaxLength = 80)|}]
        public sealed partial class Chat : Protocol
        {
            public void MessageReceived(int notTheOverride) { }
        }
        """,
        Verify13.Diagnostic("PSDK013").WithLocation(0).WithArguments("Chat", "LineFraming"));

    [Fact]
    public Task NotAProtocol_IsLeftToPSDK002() => Verify13.VerifyAsync("""
        [ProtocolSdk.LineFraming]
        public sealed partial class Chat { }
        """);

    [Fact]
    public Task Alias_FullyQualified_Suffix_AndSplitPartial() => Verify13.VerifyAsync(new[]
    {
        """
        using LPF = ProtocolSdk.LengthPrefixFramingAttribute;
        [{|#0:LPF|}]
        public sealed partial class A : ProtocolSdk.Protocol { }
        [{|#1:global::ProtocolSdk.LineFramingAttribute|}]
        public sealed partial class B : ProtocolSdk.Protocol { }
        [ProtocolSdk.LineFraming]
        public sealed partial class C : ProtocolSdk.Protocol { }
        """,
        $$"""
        public sealed partial class C { {{Message}} }
        """,
    },
    Verify13.Diagnostic("PSDK013").WithLocation(0).WithArguments("A", "LengthPrefixFraming"),
    Verify13.Diagnostic("PSDK013").WithLocation(1).WithArguments("B", "LineFraming"));
}

public class PSDK014Tests
{
    [Fact]
    public Task OneFraming_IsNotReported() => Verify14.VerifyAsync("""
        using ProtocolSdk;
        [LineFraming, PeerFilter, MinDataRate(BytesPerSecond = 1)]
        public sealed partial class Chat : Protocol { }
        """);

    [Fact]
    public Task BothFramings_AreReportedOnTheSecond() => Verify14.VerifyAsync("""
        using ProtocolSdk;
        [LineFraming]
        [{|#0:LengthPrefixFraming|}]
        public sealed partial class Chat : Protocol { }
        """,
        Verify14.Diagnostic("PSDK014").WithLocation(0).WithArguments("Chat"));

    [Fact]
    public Task Alias_FullyQualified_Suffix_AndSplitPartial() => Verify14.VerifyAsync(new[]
    {
        """
        using Lines = ProtocolSdk.LineFramingAttribute;
        [global::ProtocolSdk.LengthPrefixFramingAttribute(PrefixBytes = 1, MaxLength = 10)]
        public sealed partial class Chat : ProtocolSdk.Protocol { }
        """,
        """
        using Lines = ProtocolSdk.LineFramingAttribute;
        [{|#0:Lines|}]
        public sealed partial class Chat { }
        """,
    },
    Verify14.Diagnostic("PSDK014").WithLocation(0).WithArguments("Chat"));
}

public class PSDK015Tests
{
    private const string Message = "public override void MessageReceived(System.ReadOnlySpan<byte> message) { }";

    [Fact]
    public Task MessageReceivedOnly_IsNotReported() => Verify15.VerifyAsync($$"""
        using ProtocolSdk;
        [LineFraming]
        public sealed partial class Chat : Protocol
        {
            {{Message}}
            public void DataReceived(string unrelatedOverload) { }
        }
        """);

    [Fact]
    public Task DataReceivedWithoutFraming_IsNotReported() => Verify15.VerifyAsync("""
        using ProtocolSdk;
        [Timeout(5)]
        public sealed partial class Chat : Protocol
        {
            public override void DataReceived(System.ReadOnlySpan<byte> data) { }
        }
        """);

    [Fact]
    public Task GeneratedDataReceived_IsNotTheUsers() => Verify15.VerifyAsync($$"""
        using ProtocolSdk;
        [LineFraming]
        public sealed partial class Chat : Protocol { {{Message}} }
        partial class Chat
        {
            [global::System.CodeDom.Compiler.GeneratedCode("ProtocolSdk.Generators", "0.1.0")]
            public override void DataReceived(global::System.ReadOnlySpan<byte> data) { }
        }
        """);

    [Fact]
    public Task OverrideAndHidingMethod_AreReported() => Verify15.VerifyAsync($$"""
        using System;
        using ProtocolSdk;
        [LengthPrefixFraming]
        public sealed partial class Chat : Protocol
        {
            {{Message}}
            public override void {|#0:DataReceived|}(ReadOnlySpan<byte> data) { }
        }
        [LineFraming]
        public partial class Other : Protocol
        {
            {{Message}}
            public new void {|#1:DataReceived|}(ReadOnlySpan<byte> data) { }
        }
        """,
        Verify15.Diagnostic("PSDK015").WithLocation(0).WithArguments("Chat", "LengthPrefixFraming"),
        Verify15.Diagnostic("PSDK015").WithLocation(1).WithArguments("Other", "LineFraming"));

    [Fact]
    public Task Alias_FullyQualified_Suffix_AndSplitPartial() => Verify15.VerifyAsync(new[]
    {
        """
        using LF = ProtocolSdk.LineFramingAttribute;
        [LF]
        public sealed partial class A : ProtocolSdk.Protocol { public override void MessageReceived(System.ReadOnlySpan<byte> m) { } }
        [global::ProtocolSdk.LineFramingAttribute]
        public sealed partial class B : ProtocolSdk.Protocol { public override void MessageReceived(System.ReadOnlySpan<byte> m) { } }
        """,
        """
        partial class A { public override void {|#0:DataReceived|}(System.ReadOnlySpan<byte> d) { } }
        partial class B { public override void {|#1:DataReceived|}(System.ReadOnlySpan<byte> d) { } }
        """,
    },
    Verify15.Diagnostic("PSDK015").WithLocation(0).WithArguments("A", "LineFraming"),
    Verify15.Diagnostic("PSDK015").WithLocation(1).WithArguments("B", "LineFraming"));
}

public class PSDK016Tests
{
    private static string Protocol(string attributes) => $$"""
        using ProtocolSdk;
        {{attributes}}
        public sealed partial class Chat : Protocol { }
        """;

    [Theory]
    [InlineData("[LineFraming]")]
    [InlineData("[LineFraming(MaxLength = 1, Delimiter = \"\\n\")]")]
    [InlineData("[LineFraming(Delimiter = \"\\u00ff\\0\")]")]
    [InlineData("[LineFraming(Delimiter = null)]")]
    [InlineData("[LengthPrefixFraming]")]
    [InlineData("[LengthPrefixFraming(PrefixBytes = 1, MaxLength = 255)]")]
    [InlineData("[LengthPrefixFraming(PrefixBytes = 2, MaxLength = 65535, BigEndian = false)]")]
    [InlineData("[LengthPrefixFraming(PrefixBytes = 4, MaxLength = int.MaxValue)]")]
    [InlineData("[MinDataRate(BytesPerSecond = 0.001)]")]
    [InlineData("[MinDataRate(BytesPerSecond = 100, GraceSeconds = 0.5)]")]
    public Task ValidValues_AreNotReported(string attributes) => Verify16.VerifyAsync(Protocol(attributes));

    [Theory]
    [InlineData("[LineFraming(MaxLength = {|#0:0|})]", "LineFraming", "MaxLength = 0 is not positive; it is the longest line accepted, in bytes")]
    [InlineData("[LineFraming(Delimiter = {|#0:\"\"|})]", "LineFraming", "the Delimiter is empty; use e.g. \"\\r\\n\" or \"\\n\", or leave it unset to accept both")]
    [InlineData("[LineFraming(Delimiter = {|#0:\"\\r\\u2028\"|})]", "LineFraming", "Delimiter character U+2028 at index 1 is above 255; delimiter characters are taken as single bytes (0..255)")]
    [InlineData("[LengthPrefixFraming(MaxLength = {|#0:-1|})]", "LengthPrefixFraming", "MaxLength = -1 is not positive; it is the largest payload accepted, in bytes")]
    [InlineData("[LengthPrefixFraming(PrefixBytes = {|#0:3|})]", "LengthPrefixFraming", "PrefixBytes = 3 is not 1, 2 or 4")]
    [InlineData("[LengthPrefixFraming(PrefixBytes = 1, MaxLength = {|#0:256|})]", "LengthPrefixFraming", "MaxLength = 256 is more than a 1-byte prefix can express (255); set MaxLength to at most 255 or use a longer prefix")]
    [InlineData("[LengthPrefixFraming(PrefixBytes = {|#0:2|})]", "LengthPrefixFraming", "MaxLength = 1048576 (the default) is more than a 2-byte prefix can express (65535); set MaxLength to at most 65535 or use a longer prefix")]
    [InlineData("[{|#0:MinDataRate|}]", "MinDataRate", "BytesPerSecond is not set; give the minimum average inbound rate in bytes per second")]
    [InlineData("[{|#0:MinDataRate(GraceSeconds = 3)|}]", "MinDataRate", "BytesPerSecond is not set; give the minimum average inbound rate in bytes per second")]
    [InlineData("[MinDataRate(BytesPerSecond = {|#0:0|})]", "MinDataRate", "BytesPerSecond = 0 is not positive; it must be a positive, finite number: the minimum inbound rate in bytes per second")]
    [InlineData("[MinDataRate(BytesPerSecond = {|#0:double.NaN|})]", "MinDataRate", "BytesPerSecond is NaN; it must be a positive, finite number: the minimum inbound rate in bytes per second")]
    [InlineData("[MinDataRate(BytesPerSecond = {|#0:double.PositiveInfinity|})]", "MinDataRate", "BytesPerSecond = Infinity is infinite; it must be a positive, finite number: the minimum inbound rate in bytes per second")]
    [InlineData("[MinDataRate(BytesPerSecond = 10, GraceSeconds = {|#0:-2.5|})]", "MinDataRate", "GraceSeconds = -2.5 is not positive; it must be a positive, finite number: the grace period and measuring window in seconds")]
    [InlineData("[MinDataRate(BytesPerSecond = 10, GraceSeconds = {|#0:double.NaN|})]", "MinDataRate", "GraceSeconds is NaN; it must be a positive, finite number: the grace period and measuring window in seconds")]
    [InlineData("[MinDataRate(BytesPerSecond = 10, GraceSeconds = {|#0:double.PositiveInfinity|})]", "MinDataRate", "GraceSeconds = Infinity is infinite; it must be a positive, finite number: the grace period and measuring window in seconds")]
    public Task InvalidValue_IsReportedOnTheArgument(string attributes, string attribute, string message) => Verify16.VerifyAsync(Protocol(attributes),
        Verify16.Diagnostic("PSDK016").WithLocation(0).WithArguments(attribute, "Chat", message));

    [Fact]
    public Task Alias_FullyQualified_Suffix_Constants_AndSplitPartial() => Verify16.VerifyAsync(new[]
    {
        """
        using Rate = ProtocolSdk.MinDataRateAttribute;
        [Rate(BytesPerSecond = {|PSDK016:Limits.Zero|})]
        public sealed partial class A : ProtocolSdk.Protocol { }
        [global::ProtocolSdk.LengthPrefixFramingAttribute(PrefixBytes = {|PSDK016:8|})]
        public sealed partial class B : ProtocolSdk.Protocol { }
        static class Limits { public const double Zero = 0; }
        """,
        """
        [ProtocolSdk.LineFraming(MaxLength = {|PSDK016:-5|})]
        partial class A { }
        """,
    });
}
