using Verify4 = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK004InvalidOverflowAnalyzer>;
using Verify11 = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK011InvalidPolicyTypeAnalyzer>;

namespace ProtocolSdk.Analyzers.Tests;

public class PSDK004Tests
{
    private const string Types = """
        public sealed class Busy : ProtocolSdk.Protocol { }
        public abstract class AbstractBusy : ProtocolSdk.Protocol { }
        public sealed class NeedsArg : ProtocolSdk.Protocol { public NeedsArg(int x) { } }
        public sealed class Hidden : ProtocolSdk.Protocol { private Hidden() { } }
        public sealed class Generic<T> : ProtocolSdk.Protocol { }
        public sealed class NotAProtocol { }
        """;

    private static string Source(string overflow) => $$"""
        using ProtocolSdk;
        [MaxConnections(Total = 10, Overflow = {|#0:typeof({{overflow}})|})]
        public sealed partial class Chat : Protocol { }
        {{Types}}
        """;

    [Theory]
    [InlineData("Busy")]
    [InlineData("Generic<int>")]
    public Task ValidOverflow_IsNotReported(string overflow) => Verify4.VerifyAsync(Source(overflow).Replace("{|#0:", "").Replace(")|})", "))"));

    [Theory]
    [InlineData("NotAProtocol", "the type does not derive from ProtocolSdk.Protocol")]
    [InlineData("string", "the type does not derive from ProtocolSdk.Protocol")]
    [InlineData("AbstractBusy", "the type is abstract")]
    [InlineData("NeedsArg", "the type has no parameterless constructor")]
    [InlineData("Hidden", "its parameterless constructor is not accessible from 'Chat'")]
    [InlineData("Generic<>", "an open generic type cannot be instantiated")]
    [InlineData("Chat", "the overflow protocol is the limited protocol itself, so connections over the limit would be served anyway")]
    public Task InvalidOverflow_IsReported(string overflow, string problem) => Verify4.VerifyAsync(Source(overflow),
        Verify4.Diagnostic("PSDK004").WithLocation(0).WithArguments(
            overflow, "Chat", problem));

    [Fact]
    public Task InternalConstructorInSameAssembly_IsAccessible() => Verify4.VerifyAsync("""
        [ProtocolSdk.MaxConnectionsAttribute(PerPeer = 2, Overflow = typeof(Busy))]
        public sealed partial class Chat : ProtocolSdk.Protocol { }
        public sealed class Busy : ProtocolSdk.Protocol { internal Busy() { } }
        """);
}

public class PSDK011Tests
{
    private const string Policies = """
        public struct Good : ProtocolSdk.Policies.IConnectionPolicy
        {
            public ConnectionAdmission OnAdmit(Transport transport) => ConnectionAdmission.Accept;
            public void OnConnectionMade(Protocol protocol, Transport transport) { }
            public void OnDataReceived(Protocol protocol, System.ReadOnlySpan<byte> data) { }
            public void OnDataWritten(Protocol protocol, System.ReadOnlySpan<byte> data) { }
            public void OnConnectionLost(Protocol protocol, DisconnectReason reason) { }
        }
        public struct GenericGood<T> : ProtocolSdk.Policies.IConnectionPolicy
        {
            public ConnectionAdmission OnAdmit(Transport transport) => ConnectionAdmission.Accept;
            public void OnConnectionMade(Protocol protocol, Transport transport) { }
            public void OnDataReceived(Protocol protocol, System.ReadOnlySpan<byte> data) { }
            public void OnDataWritten(Protocol protocol, System.ReadOnlySpan<byte> data) { }
            public void OnConnectionLost(Protocol protocol, DisconnectReason reason) { }
        }
        public sealed class ClassPolicy : ProtocolSdk.Policies.IConnectionPolicy
        {
            public ConnectionAdmission OnAdmit(Transport transport) => ConnectionAdmission.Accept;
            public void OnConnectionMade(Protocol protocol, Transport transport) { }
            public void OnDataReceived(Protocol protocol, System.ReadOnlySpan<byte> data) { }
            public void OnDataWritten(Protocol protocol, System.ReadOnlySpan<byte> data) { }
            public void OnConnectionLost(Protocol protocol, DisconnectReason reason) { }
        }
        public struct PlainStruct { }
        """;

    private static string Source(string attributes) => $$"""
        using ProtocolSdk;
        {{attributes}}
        public sealed partial class Chat : Protocol { }
        {{Policies}}
        """;

    [Theory]
    [InlineData("[UsePolicy(typeof(Good))]")]
    [InlineData("[UsePolicy(typeof(GenericGood<int>))][UsePolicyAttribute(typeof(Good))]")]
    public Task ValidPolicies_AreNotReported(string attributes) => Verify11.VerifyAsync(Source(attributes));

    [Theory]
    [InlineData("ClassPolicy", "it is a class; the generated code needs a struct (declare it as 'struct' to avoid a heap object and virtual calls per event)")]
    [InlineData("string", "it is a class and does not implement ProtocolSdk.Policies.IConnectionPolicy; it must be a struct implementing it")]
    [InlineData("PlainStruct", "the struct does not implement ProtocolSdk.Policies.IConnectionPolicy")]
    [InlineData("ProtocolSdk.Policies.IConnectionPolicy", "it is an interface; the generated code needs a struct (declare it as 'struct' to avoid a heap object and virtual calls per event)")]
    [InlineData("GenericGood<>", "an open generic type cannot be instantiated")]
    public Task InvalidPolicy_IsReported(string policy, string problem) => Verify11.VerifyAsync(
        Source("[UsePolicy({|#0:typeof(" + policy + ")|})]"),
        Verify11.Diagnostic("PSDK011").WithLocation(0).WithArguments(
            policy switch { "ProtocolSdk.Policies.IConnectionPolicy" => "IConnectionPolicy", _ => policy }, "Chat", problem));

    [Fact]
    public Task OnlyTheBadOneOfSeveral_IsReported() => Verify11.VerifyAsync(Source(
        "[UsePolicy(typeof(Good))]\n[ProtocolSdk.UsePolicy({|PSDK011:typeof(PlainStruct)|})]"));

    [Fact]
    public Task AliasedAttribute_IsChecked() => Verify11.VerifyAsync("""
        using P = ProtocolSdk.UsePolicyAttribute;
        [P({|PSDK011:typeof(int[])|})]
        public sealed partial class Chat : ProtocolSdk.Protocol { }
        """);
}
