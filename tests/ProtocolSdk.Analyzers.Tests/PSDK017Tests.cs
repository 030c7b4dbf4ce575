using Verify = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK017PoliciesOnDerivedProtocolAnalyzer>;

namespace ProtocolSdk.Analyzers.Tests;

public class PSDK017Tests
{
    [Fact]
    public Task Policies_on_a_class_and_its_base_are_reported_on_the_derived_class() => Verify.VerifyAsync("""
        using ProtocolSdk;
        [Timeout(30)]
        public partial class BaseProtocol : Protocol { }
        [{|#0:MaxConnections(Total = 5)|}]
        public sealed partial class Derived : BaseProtocol { }
        """,
        Verify.Diagnostic("PSDK017").WithLocation(0).WithArguments("Derived", "BaseProtocol"));

    [Fact]
    public Task A_grandparent_with_policies_counts_too() => Verify.VerifyAsync("""
        using ProtocolSdk;
        [LogTraffic]
        public partial class Root : Protocol { }
        public class Middle : Root { }
        [{|PSDK017:Timeout(5)|}]
        public sealed partial class Leaf : Middle { }
        """);

    [Fact]
    public Task Policies_on_only_one_level_are_fine() => Verify.VerifyAsync("""
        using ProtocolSdk;
        public class PlainBase : Protocol { }
        [Timeout(30)]
        public sealed partial class Derived : PlainBase { }
        [ProtocolSdk.LogTrafficAttribute]
        public partial class Attributed : Protocol { }
        public sealed class Unattributed : Attributed { }
        """);
}
