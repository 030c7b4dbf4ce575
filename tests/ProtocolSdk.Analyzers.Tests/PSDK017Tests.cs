using Verify = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK017PoliciesOnDerivedProtocolAnalyzer>;

namespace ProtocolSdk.Analyzers.Tests;

/// <summary>PSDK017: policies compose down a chain; only combinations that cannot compose are errors.</summary>
public class PSDK017Tests
{
    [Fact]
    public Task Different_policies_on_a_class_and_its_base_compose() => Verify.VerifyAsync("""
        using ProtocolSdk;
        [Timeout(30)]
        public partial class BaseProtocol : Protocol { }
        [MaxConnections(Total = 5), UsePolicy(typeof(P))]
        public sealed partial class Derived : BaseProtocol { }
        [UsePolicy(typeof(P))]
        public partial class Other : Protocol { }
        public partial class OtherDerived : Other { }
        [UsePolicy(typeof(P))]
        public sealed partial class OtherLeaf : OtherDerived { }
        public struct P : ProtocolSdk.Policies.IConnectionPolicy
        {
            public ConnectionAdmission OnAdmit(Transport transport) => ConnectionAdmission.Accept;
            public void OnConnectionMade(Protocol protocol, Transport transport) { }
            public void OnDataReceived(Protocol protocol, System.ReadOnlySpan<byte> data) { }
            public void OnDataWritten(Protocol protocol, System.ReadOnlySpan<byte> data) { }
            public void OnConnectionLost(Protocol protocol, DisconnectReason reason) { }
        }
        """);

    [Fact]
    public Task The_same_attribute_on_a_class_and_its_base_is_an_error_on_the_derived_class() => Verify.VerifyAsync("""
        using ProtocolSdk;
        [Timeout(30)]
        public partial class BaseProtocol : Protocol { }
        [LogTraffic, {|#0:Timeout(5)|}]
        public sealed partial class Derived : BaseProtocol { }
        """,
        Verify.Diagnostic("PSDK017").WithLocation(0).WithArguments("Derived", "Timeout",
            "its base class 'BaseProtocol' has [Timeout] too; the two cannot both apply, so keep the one you mean (on either class)"));

    [Fact]
    public Task Two_framings_in_one_chain_are_an_error_even_through_a_plain_class() => Verify.VerifyAsync("""
        using ProtocolSdk;
        [LineFraming]
        public partial class Root : Protocol { public override void MessageReceived(System.ReadOnlySpan<byte> m) { } }
        public class Middle : Root { }
        [{|#0:LengthPrefixFraming|}]
        public sealed partial class Leaf : Middle { }
        """,
        Verify.Diagnostic("PSDK017").WithLocation(0).WithArguments("Leaf", "LengthPrefixFraming",
            "its base class 'Root' has [LineFraming]; a byte stream can be split only one way, so keep one framing in the chain"));

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
