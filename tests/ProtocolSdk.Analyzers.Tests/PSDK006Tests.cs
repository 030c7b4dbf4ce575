using Verify = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK006AsyncVoidAnalyzer>;
using VerifyFix = ProtocolSdk.Analyzers.Tests.CodeFixVerifier<ProtocolSdk.Analyzers.Rules.PSDK006AsyncVoidAnalyzer, ProtocolSdk.CodeFixes.AsyncVoidToTaskCodeFixProvider>;

namespace ProtocolSdk.Analyzers.Tests;

public class PSDK006Tests
{
    [Fact]
    public Task AsyncVoid_InProtocol_IsReported() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using ProtocolSdk;
        public sealed class Chat : Protocol
        {
            private async void {|#0:Load|}() => await Task.Delay(1);
        }
        """,
        Verify.Diagnostic("PSDK006").WithLocation(0).WithArguments("Chat.Load"));

    [Fact]
    public Task AsyncTask_AndNonProtocols_AreNotReported() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using ProtocolSdk;
        public sealed class Chat : Protocol
        {
            private async Task Load() => await Task.Delay(1);
            private void Sync() { }
            private void Lambda() { System.Action a = async () => await Task.Delay(1); }
        }
        public sealed class Other { private async void Load() => await Task.Delay(1); }
        """);

    [Fact]
    public Task Fix_ChangesVoidToTask_KeepingTrivia() => VerifyFix.VerifyAsync("""
        using System.Threading.Tasks;
        using ProtocolSdk;
        public sealed class Chat : Protocol
        {
            /// <summary>Loads.</summary>
            private async /* ret */ void {|PSDK006:Load|}(int n) // trailing
            {
                await Task.Delay(n);
            }
        }
        """, """
        using System.Threading.Tasks;
        using ProtocolSdk;
        public sealed class Chat : Protocol
        {
            /// <summary>Loads.</summary>
            private async /* ret */ Task Load(int n) // trailing
            {
                await Task.Delay(n);
            }
        }
        """);

    [Fact]
    public Task Fix_AddsUsingWhenMissing() => VerifyFix.VerifyAsync("""
        using ProtocolSdk;

        public sealed class Chat : Protocol
        {
            public async void {|PSDK006:Load|}() => await System.Threading.Tasks.Task.Yield();
        }
        """, """
        using System.Threading.Tasks;
        using ProtocolSdk;

        public sealed class Chat : Protocol
        {
            public async Task Load() => await System.Threading.Tasks.Task.Yield();
        }
        """);

    [Fact]
    public Task FixAll_InSeveralDocuments() => VerifyFix.VerifyAsync(new[]
    {
        """
        using System.Threading.Tasks;
        public sealed partial class Chat : ProtocolSdk.Protocol
        {
            private async void {|PSDK006:A|}() => await Task.Yield();
            private async void {|PSDK006:B|}() => await Task.Yield();
        }
        """,
        """
        using System.Threading.Tasks;
        public sealed partial class Chat
        {
            internal async void {|PSDK006:C|}() => await Task.Yield();
        }
        """,
    }, new[]
    {
        """
        using System.Threading.Tasks;
        public sealed partial class Chat : ProtocolSdk.Protocol
        {
            private async Task A() => await Task.Yield();
            private async Task B() => await Task.Yield();
        }
        """,
        """
        using System.Threading.Tasks;
        public sealed partial class Chat
        {
            internal async Task C() => await Task.Yield();
        }
        """,
    });

    [Fact]
    public Task OverrideInterfaceAndEventHandler_AreReportedWithoutFix()
    {
        const string source = """
            using System;
            using System.Threading.Tasks;
            using ProtocolSdk;
            public interface IStarter { void Start(); }
            public sealed class Chat : Protocol, IStarter
            {
                public override async void {|PSDK006:ConnectionMade|}() => await Task.Yield();
                public async void {|PSDK006:Start|}() => await Task.Yield();
                private async void {|PSDK006:OnTick|}(object? sender, EventArgs e) => await Task.Yield();
            }
            """;
        return VerifyFix.VerifyAsync(source, source);
    }
}
