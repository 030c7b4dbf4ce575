using Verify2 = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK002NotProtocolAnalyzer>;
using Verify7 = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK007UnsupportedShapeAnalyzer>;

namespace ProtocolSdk.Analyzers.Tests;

public class PSDK002Tests
{
    [Fact]
    public Task NotAProtocol_IsReported() => Verify2.VerifyAsync("""
        using ProtocolSdk;
        [Timeout(5)]
        public partial class {|#0:Chat|} { }
        """,
        Verify2.Diagnostic("PSDK002").WithLocation(0).WithArguments("Chat", "Timeout", ""));

    [Fact]
    public Task WrongBaseClass_IsNamed() => Verify2.VerifyAsync("""
        using ProtocolSdk.Policies;
        public class Handler { }
        [ProtocolSdk.MaxConnectionsAttribute(Total = 3)]
        public partial class {|#0:Chat|} : Handler { }
        """,
        Verify2.Diagnostic("PSDK002").WithLocation(0).WithArguments("Chat", "MaxConnections", " (its base class is 'Handler')"));

    [Fact]
    public Task IndirectProtocol_IsNotReported() => Verify2.VerifyAsync("""
        using ProtocolSdk;
        public abstract class LineProtocol : Protocol { }
        [Timeout(5)]
        public sealed partial class Chat : LineProtocol { }
        """);

    [Fact]
    public Task AliasOnPartialSplitOverFiles_ReportedOnce() => Verify2.VerifyAsync(new[]
    {
        """
        using L = ProtocolSdk.LogTrafficAttribute;
        [L]
        public partial class {|PSDK002:Chat|} { }
        """,
        """
        public partial class Chat { }
        """,
    });

    [Fact]
    public Task StaticClass_LeftToPSDK007() => Verify2.VerifyAsync("""
        [ProtocolSdk.Timeout(5)]
        public static partial class Chat { }
        """);
}

public class PSDK007Tests
{
    [Fact]
    public Task Generic_IsReported() => Verify7.VerifyAsync("""
        using ProtocolSdk;
        [Timeout(5)]
        public partial class {|#0:Chat|}<T> : Protocol { }
        """,
        Verify7.Diagnostic("PSDK007").WithLocation(0).WithArguments("Chat<T>", "Timeout", "generic"));

    [Fact]
    public Task NestedInGeneric_IsReported() => Verify7.VerifyAsync("""
        using ProtocolSdk;
        public partial class Outer<T>
        {
            public partial class Middle
            {
                [Timeout(5)]
                public partial class {|#0:Chat|} : Protocol { }
            }
        }
        """,
        Verify7.Diagnostic("PSDK007").WithLocation(0).WithArguments("Outer<T>.Middle.Chat", "Timeout", "nested in generic type 'Outer<T>'"));

    [Fact]
    public Task Static_IsReported() => Verify7.VerifyAsync("""
        [ProtocolSdk.LogTraffic]
        public static partial class {|#0:Chat|} { }
        """,
        Verify7.Diagnostic("PSDK007").WithLocation(0).WithArguments("Chat", "LogTraffic", "a static class"));

    [Fact]
    public Task Abstract_IsReported() => Verify7.VerifyAsync("""
        using ProtocolSdk;
        [Throttle(ReadBytesPerSecond = 10)]
        public abstract partial class {|#0:Chat|} : Protocol { }
        """,
        Verify7.Diagnostic("PSDK007").WithLocation(0).WithArguments("Chat", "Throttle", "an abstract class"));

    [Fact]
    public Task Record_IsReported() => Verify7.VerifyAsync("""
        [ProtocolSdk.Timeout(5)]
        public partial record {|#0:Chat|}(int X);
        """,
        Verify7.Diagnostic("PSDK007").WithLocation(0).WithArguments("Chat", "Timeout", "a record"));

    [Fact]
    public Task Struct_IsReported_AlongsideTheCompilerError() => Verify7.VerifyAsync("""
        [{|CS0592:ProtocolSdk.Timeout|}(5)]
        public partial struct {|#0:Chat|} { }
        """,
        Verify7.Diagnostic("PSDK007").WithLocation(0).WithArguments("Chat", "Timeout", "a struct"));

    [Fact]
    public Task SeveralReasons_AreAllListed() => Verify7.VerifyAsync("""
        using ProtocolSdk;
        [Timeout(5)]
        public abstract partial class {|#0:Chat|}<T> : Protocol { }
        """,
        Verify7.Diagnostic("PSDK007").WithLocation(0).WithArguments("Chat<T>", "Timeout", "generic and an abstract class"));

    [Fact]
    public Task SupportedShapes_AreNotReported() => Verify7.VerifyAsync("""
        using ProtocolSdk;
        public abstract class Base<T> : Protocol { }          // no attribute: fine
        [Timeout(5)] public sealed partial class A : Base<int> { }
        public partial class Outer { [Timeout(5)] internal partial class B : Protocol { } }
        """);
}

/// <summary>The framing and runtime-security attributes count as policy attributes for PSDK001, PSDK002 and PSDK007.</summary>
public class NewPolicyAttributesTests
{
    [Theory]
    [InlineData("[ProtocolSdk.LineFraming]")]
    [InlineData("[ProtocolSdk.LengthPrefixFramingAttribute]")]
    [InlineData("[ProtocolSdk.PeerFilter(Allow = new[] { \"10.0.0.0/8\" })]")]
    [InlineData("[ProtocolSdk.MinDataRate(BytesPerSecond = 5)]")]
    public async Task Are_policy_attributes(string attribute)
    {
        await AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK001NotPartialAnalyzer>.VerifyAsync(attribute + "\npublic sealed class {|PSDK001:Chat|} : ProtocolSdk.Protocol { public override void MessageReceived(System.ReadOnlySpan<byte> m) { } }");
        await AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK002NotProtocolAnalyzer>.VerifyAsync(attribute + "\npublic sealed partial class {|PSDK002:Chat|} { }");
        await AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK007UnsupportedShapeAnalyzer>.VerifyAsync(attribute + "\npublic sealed partial class {|PSDK007:Chat|}<T> : ProtocolSdk.Protocol { public override void MessageReceived(System.ReadOnlySpan<byte> m) { } }");
    }
}
