using ProtocolSdk.Analyzers.Rules;
using ProtocolSdk.CodeFixes;
using Verify = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK001NotPartialAnalyzer>;
using VerifyFix = ProtocolSdk.Analyzers.Tests.CodeFixVerifier<ProtocolSdk.Analyzers.Rules.PSDK001NotPartialAnalyzer, ProtocolSdk.CodeFixes.MakePartialCodeFixProvider>;

namespace ProtocolSdk.Analyzers.Tests;

public class PSDK001Tests
{
    [Fact]
    public Task NonPartial_IsReported_WithMessage() => Verify.VerifyAsync("""
        using ProtocolSdk;
        [Timeout(30)]
        public sealed class {|#0:Chat|} : Protocol { }
        """,
        Verify.Diagnostic("PSDK001").WithLocation(0).WithOptions(Microsoft.CodeAnalysis.Testing.DiagnosticOptions.IgnoreAdditionalLocations)
            .WithArguments("Chat", "Timeout", "it is"));

    [Fact]
    public Task Partial_IsNotReported() => Verify.VerifyAsync("""
        using ProtocolSdk;
        [Timeout(30)]
        public sealed partial class Chat : Protocol { }
        """);

    [Fact]
    public Task ProtocolWithoutPolicyAttribute_IsNotReported() => Verify.VerifyAsync("""
        using ProtocolSdk;
        [System.Obsolete]
        public sealed class Chat : Protocol { }
        """);

    [Theory]
    [InlineData("Timeout(5)")]
    [InlineData("TimeoutAttribute(5)")]
    [InlineData("ProtocolSdk.Timeout(5)")]
    [InlineData("ProtocolSdk.TimeoutAttribute(5)")]
    [InlineData("global::ProtocolSdk.TimeoutAttribute(5)")]
    [InlineData("LogTraffic")]
    [InlineData("MaxConnections(Total = 5)")]
    [InlineData("Throttle(ReadBytesPerSecond = 100)")]
    [InlineData("UsePolicy(typeof(int))")]
    public Task EveryAttributeSpelling_IsRecognised(string attribute) => Verify.VerifyAsync($$"""
        using ProtocolSdk;
        [{{attribute}}]
        public class {|PSDK001:Chat|} : Protocol { }
        """);

    [Fact]
    public Task AliasedAttribute_IsRecognised() => Verify.VerifyAsync("""
        using T = ProtocolSdk.TimeoutAttribute;
        [T(5)]
        public class {|PSDK001:Chat|} : ProtocolSdk.Protocol { }
        """);

    [Fact]
    public Task LookAlikeAttributeInAnotherNamespace_IsIgnored() => Verify.VerifyAsync("""
        namespace Other
        {
            [System.AttributeUsage(System.AttributeTargets.Class)]
            public sealed class TimeoutAttribute : System.Attribute { public TimeoutAttribute(double s) { } }

            [Timeout(5)]
            public class Chat : ProtocolSdk.Protocol { }
        }
        """);

    [Fact]
    public Task NonPartialContainingType_IsReported() => Verify.VerifyAsync("""
        using ProtocolSdk;
        public class {|#1:Outer|}
        {
            [Timeout(5)]
            public partial class {|#0:Chat|} : Protocol { }
        }
        """,
        Verify.Diagnostic("PSDK001").WithLocation(0).WithLocation(1).WithArguments("Outer.Chat", "Timeout", "containing type 'Outer' is"));

    [Fact]
    public Task PartialInEveryFile_IsNotReported() => Verify.VerifyAsync(new[]
    {
        """
        using ProtocolSdk;
        [Timeout(5)]
        public partial class Chat : Protocol { }
        """,
        """
        public partial class Chat { public override void ConnectionMade() { } }
        """,
    });

    [Fact]
    public Task Fix_AddsPartial_KeepingTriviaAndModifiers() => VerifyFix.VerifyAsync("""
        using ProtocolSdk;

        namespace App
        {
            /// <summary>Chat.</summary>
            [Timeout(5)] // idle
            public sealed class {|PSDK001:Chat|} : Protocol // the protocol
            {
                public override void ConnectionMade() { }
            }
        }
        """, """
        using ProtocolSdk;

        namespace App
        {
            /// <summary>Chat.</summary>
            [Timeout(5)] // idle
            public sealed partial class Chat : Protocol // the protocol
            {
                public override void ConnectionMade() { }
            }
        }
        """);

    [Fact]
    public Task Fix_WithoutModifiers_KeepsLeadingTrivia() => VerifyFix.VerifyAsync("""
        using ProtocolSdk;
        [Timeout(5)]
            class {|PSDK001:Chat|} : Protocol { }
        """, """
        using ProtocolSdk;
        [Timeout(5)]
            partial class Chat : Protocol { }
        """);

    [Fact]
    public Task Fix_MakesContainingTypesPartial() => VerifyFix.VerifyAsync("""
        using ProtocolSdk;
        public static class Outer
        {
            internal class Middle
            {
                [Timeout(5)]
                public class {|PSDK001:Chat|} : Protocol { }
            }
        }
        """, """
        using ProtocolSdk;
        public static partial class Outer
        {
            internal partial class Middle
            {
                [Timeout(5)]
                public partial class Chat : Protocol { }
            }
        }
        """);

    [Fact]
    public Task Fix_EditsTheDeclarationInTheOtherFile() => VerifyFix.VerifyAsync(new[]
    {
        """
        public partial class Outer { }
        """,
        """
        using ProtocolSdk;
        public class {|CS0260:Outer|}
        {
            [Timeout(5)]
            public partial class {|PSDK001:Chat|} : Protocol { }
        }
        """,
    }, new[]
    {
        """
        public partial class Outer { }
        """,
        """
        using ProtocolSdk;
        public partial class Outer
        {
            [Timeout(5)]
            public partial class Chat : Protocol { }
        }
        """,
    });

    [Fact]
    public Task FixAll_AcrossTwoFiles() => VerifyFix.VerifyAsync(new[]
    {
        """
        using ProtocolSdk;
        [Timeout(5)]
        public class {|PSDK001:A|} : Protocol { }
        [LogTraffic]
        public class {|PSDK001:B|} : Protocol { }
        """,
        """
        using ProtocolSdk;
        [Throttle(ReadBytesPerSecond = 1000)]
        internal sealed class {|PSDK001:C|} : Protocol { }
        """,
    }, new[]
    {
        """
        using ProtocolSdk;
        [Timeout(5)]
        public partial class A : Protocol { }
        [LogTraffic]
        public partial class B : Protocol { }
        """,
        """
        using ProtocolSdk;
        [Throttle(ReadBytesPerSecond = 1000)]
        internal sealed partial class C : Protocol { }
        """,
    });

    [Fact]
    public Task FixAll_SharedContainingType_IsEditedOnce() => VerifyFix.VerifyAsync("""
        using ProtocolSdk;
        public class Outer
        {
            [Timeout(5)]
            public partial class {|PSDK001:A|} : Protocol { }
            [Timeout(6)]
            public class {|PSDK001:B|} : Protocol { }
        }
        """, """
        using ProtocolSdk;
        public partial class Outer
        {
            [Timeout(5)]
            public partial class A : Protocol { }
            [Timeout(6)]
            public partial class B : Protocol { }
        }
        """);
}
