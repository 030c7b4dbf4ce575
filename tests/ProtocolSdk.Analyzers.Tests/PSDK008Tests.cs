using Verify = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK008TransportTooEarlyAnalyzer>;

namespace ProtocolSdk.Analyzers.Tests;

public class PSDK008Tests
{
    [Fact]
    public Task TransportInConstructor_IsReported() => Verify.VerifyAsync("""
        using ProtocolSdk;
        public sealed class Chat : Protocol
        {
            public Chat() { {|#0:Transport|}.Write("hi"u8); }
        }
        """,
        Verify.Diagnostic("PSDK008").WithLocation(0).WithArguments("the constructor", "Chat"));

    [Fact]
    public Task ThisTransportInPartialConstructor_IsReported() => Verify.VerifyAsync(new[]
    {
        """
        [ProtocolSdk.Timeout(3)]
        public sealed partial class Chat : ProtocolSdk.Protocol { }
        """,
        """
        public sealed partial class Chat
        {
            private readonly System.Net.IPEndPoint _peer;
            public Chat() { _peer = {|PSDK008:this.Transport|}.RemoteEndPoint; }
        }
        """,
    });

    [Fact]
    public Task FieldInitializer_IsReportedNextToTheCompilerError() => Verify.VerifyAsync("""
        using ProtocolSdk;
        public sealed class Chat : Protocol
        {
            private readonly System.Net.IPEndPoint _peer = {|#0:Transport|}.RemoteEndPoint;
        }
        """,
        Microsoft.CodeAnalysis.Testing.DiagnosticResult.CompilerError("CS0236").WithLocation(0).WithArguments("ProtocolSdk.Protocol.Transport"),
        Verify.Diagnostic("PSDK008").WithLocation(0).WithArguments("the initializer of field '_peer'", "Chat"));

    [Fact]
    public Task LegitimateUses_AreNotReported() => Verify.VerifyAsync("""
        using System;
        using ProtocolSdk;
        public sealed class Chat : Protocol
        {
            private readonly Action _greet;
            private readonly Chat? _peer;
            public Chat(Chat? peer)
            {
                _peer = peer;
                _greet = () => Transport.Write("hi"u8);      // runs later
                if (peer is { IsConnected: true }) peer.Transport.Write("joined"u8);   // another, connected instance
                void Later() => Transport.Write("x"u8);
                _ = (Action)Later;
            }
            public Transport Current => Transport;
            public override void ConnectionMade() { Transport.Write("hello"u8); _greet(); }
        }
        """);
}
