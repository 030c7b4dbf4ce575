using Verify = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK013MissingMessageReceivedAnalyzer>;

namespace ProtocolSdk.Analyzers.Tests;

/// <summary>Issue #10: a send-only framed protocol (it calls SendMessage) needs no empty MessageReceived.</summary>
public class PSDK013SendOnlyTests
{
    [Fact]
    public Task A_protocol_that_calls_SendMessage_needs_no_MessageReceived() => Verify.VerifyAsync("""
        using ProtocolSdk;
        [LineFraming]
        public sealed partial class Feed : Protocol
        {
            public override void ConnectionMade() => SendMessage("hello"u8);
            private void SendMessage(System.ReadOnlySpan<byte> message) { } // stands in for the generated one (no generator here)
        }
        [LengthPrefixFraming]
        public sealed partial class Pusher : Protocol
        {
            public void Push() => this.SendMessage(new byte[1]);
            private void SendMessage(System.ReadOnlySpan<byte> message) { }
        }
        """);

    [Fact]
    public Task A_protocol_that_neither_receives_nor_sends_messages_is_reported() => Verify.VerifyAsync("""
        using ProtocolSdk;
        [{|#0:LineFraming|}]
        public sealed partial class Mute : Protocol
        {
            public override void ConnectionMade() => Transport.Write("raw"u8);
        }
        """,
        Verify.Diagnostic("PSDK013").WithLocation(0).WithArguments("Mute", "LineFraming"));
}
