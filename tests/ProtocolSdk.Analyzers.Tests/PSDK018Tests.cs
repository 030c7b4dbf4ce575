using Microsoft.CodeAnalysis.Testing;
using Verify = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK018SendMessageWithFramingAnalyzer>;
using VerifyFix = ProtocolSdk.Analyzers.Tests.CodeFixVerifier<ProtocolSdk.Analyzers.Rules.PSDK018SendMessageWithFramingAnalyzer, ProtocolSdk.CodeFixes.RenameSendMessageCodeFixProvider>;

namespace ProtocolSdk.Analyzers.Tests;

/// <summary>PSDK018: a user-declared SendMessage next to a framing attribute, and the rename fix.</summary>
public class PSDK018Tests
{
    [Fact]
    public Task A_declared_SendMessage_is_reported_on_the_member() => Verify.VerifyAsync("""
        using System;
        using ProtocolSdk;
        [LineFraming]
        public sealed partial class Chat : Protocol
        {
            public override void MessageReceived(ReadOnlySpan<byte> message) { }
            private void {|#0:SendMessage|}(string text) { }
        }
        """,
        Verify.Diagnostic("PSDK018").WithLocation(0).WithArguments("Chat", "LineFraming"));

    [Fact]
    public Task Any_member_named_SendMessage_counts_and_without_framing_nothing_is_reported() => Verify.VerifyAsync("""
        using System;
        using ProtocolSdk;
        [LengthPrefixFraming]
        public sealed partial class Framed : Protocol
        {
            public override void MessageReceived(ReadOnlySpan<byte> message) { }
            public int {|PSDK018:SendMessage|};
        }
        [Timeout(5)]
        public sealed partial class Unframed : Protocol
        {
            public void SendMessage(ReadOnlySpan<byte> message) => Transport.Write(message);
        }
        """);

    [Fact]
    public Task The_fix_renames_the_member_and_its_callers() => VerifyFix.VerifyAsync(
        new[]
        {
            """
            using System;
            using ProtocolSdk;
            [LineFraming]
            public sealed partial class Chat : Protocol
            {
                public override void MessageReceived(ReadOnlySpan<byte> message) => SendMessage(message);
                private void {|#0:SendMessage|}(ReadOnlySpan<byte> line) { Transport.Write(line); Transport.Write("\r\n"u8); }
            }
            """,
        },
        new[]
        {
            """
            using System;
            using ProtocolSdk;
            [LineFraming]
            public sealed partial class Chat : Protocol
            {
                public override void MessageReceived(ReadOnlySpan<byte> message) => SendRawMessage(message);
                private void SendRawMessage(ReadOnlySpan<byte> line) { Transport.Write(line); Transport.Write("\r\n"u8); }
            }
            """,
        },
        test => test.CodeFixTestBehaviors |= CodeFixTestBehaviors.SkipFixAllCheck,
        Verify.Diagnostic("PSDK018").WithLocation(0).WithArguments("Chat", "LineFraming"));

    [Fact]
    public Task The_fix_picks_a_free_name() => VerifyFix.VerifyAsync(
        new[]
        {
            """
            using System;
            using ProtocolSdk;
            [LineFraming]
            public sealed partial class Chat : Protocol
            {
                public override void MessageReceived(ReadOnlySpan<byte> message) { }
                private void {|PSDK018:SendMessage|}() { }
                private void SendRawMessage() { }
            }
            """,
        },
        new[]
        {
            """
            using System;
            using ProtocolSdk;
            [LineFraming]
            public sealed partial class Chat : Protocol
            {
                public override void MessageReceived(ReadOnlySpan<byte> message) { }
                private void SendRawMessage2() { }
                private void SendRawMessage() { }
            }
            """,
        },
        test => test.CodeFixTestBehaviors |= CodeFixTestBehaviors.SkipFixAllCheck);
}
